/* lt_fast.c — the per-request calls of the lt module on LuaJIT's compiled traces (issue 15).
 *
 * LuaJIT compiles an FFI call into the trace that makes it; a classic lua_CFunction it does not
 * (the trace ends there and another starts after it: "stitching"), and each such call walks its
 * Lua arguments through the C API. So lt.check, a metric's add and lt.json.encode are Lua
 * functions here (FAST_LUA) that do the common case through FFI calls and hand everything else,
 * argument for argument, to the C functions of lt_module.c, which they replace in the lt table:
 * - a sample's tag set id comes from a Lua-side cache of tag tables (the table's pairs as they
 *   were, compared pair by pair on every use, so a changed table is looked up again), keyed by
 *   the VU's base tag set and the check name; a miss asks lt_sample_tags, the C functions' own
 *   computation, so a sample gets the id the C function would give it;
 * - lt.json.encode writes a table of string keys and string, number or boolean values member by
 *   member with luajson.c's own writers (luajson_flat_*); anything else (arrays, nesting, empty
 *   tables, lt.json.null, errors) goes to the C encoder.
 * Errors keep their messages and file:line: the fallbacks are tail calls with the caller's own
 * arguments, and the C functions report the caller's line as before. LT_NO_FFI=1 leaves all of
 * this out (tests/lua/fast_test.sh compares summaries and encodings with and without). */
#include "vu/lt_http_internal.h"
#include "vu/luajson.h"
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

bool lt_ffi_enabled(void) {
    const char *e = getenv("LT_NO_FFI");
    return !e || !*e || strcmp(e, "0") == 0;
}

/* The running VU's base tag set id, -1 when no VU runs (the script's top level): the fallback. */
static int fast_base_tid(runtime *rt) {
    if (!rt->current) return -1;
    uint32_t tid = vu_base_tid(rt->current);
    return tid > INT32_MAX ? -1 : (int)tid;
}

static void fast_sample(runtime *rt, int metric, int tid, double v) {
    rt_sample(rt, metric, (uint32_t)tid, v);
}

/* tid(tags or nil, check name or nil): the tag set id of a sample taken now (a cache miss). */
static int l_fast_tid(lua_State *L) {
    runtime *rt = lua_touserdata(L, lua_upvalueindex(1));
    const char *check = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    lua_pushnumber(L, lt_sample_tags(L, rt, lua_istable(L, 1) ? 1 : 0, check));
    return 1;
}

static const char FAST_LUA[] =
    "local ffi, rtp, fbase, fsample, fbegin, fstr, fnum, fbool, fend, bufp,\n"
    "  c_check, c_add, c_encode, c_tid, ids, CHECKS, c_http, tid_fns = ...\n"
    "local rt = ffi.cast('void *', rtp)\n"
    "local base_tid = ffi.cast('int (*)(void *)', fbase)\n"
    "local sample = ffi.cast('void (*)(void *, int, int, double)', fsample)\n"
    "local jbegin = ffi.cast('void (*)(void *)', fbegin)\n"
    "local jstr = ffi.cast('void (*)(void *, const char *, size_t, const char *, size_t)', fstr)\n"
    "local jnum = ffi.cast('int (*)(void *, const char *, size_t, double)', fnum)\n"
    "local jbool = ffi.cast('void (*)(void *, const char *, size_t, int)', fbool)\n"
    "local jend = ffi.cast('void (*)(void *)', fend)\n"
    "local buf = ffi.cast('struct { char *p; size_t len, cap; } *', bufp)\n"
    "local fstring, next, type, rawequal, setmetatable, error, load, format, concat, rep =\n"
    "  ffi.string, next, type, rawequal, setmetatable, error, load, string.format, table.concat,\n"
    "  string.rep\n"
    "-- Loops over a few pairs are unrolled (UNROLL steps of next()): a short loop inside a "
    "function\n"
    "-- gets a trace of its own that exits back to the interpreter at its end on every call\n"
    "-- (\"NYI: return to lower frame\" in LT_JIT_VERBOSE's log); straight code stays on one "
    "trace.\n"
    "local MAXPAIRS, MAXNAMES, MAXSNAPS, UNROLL = 8, 256, 64, 8\n"
    "-- snaps[t]: t's pairs in traversal order at s[1 .. s.len - 1]; s.by[base][name] the tag set "
    "id\n"
    "-- for that base tag set and check name (true: no check); s.n how many ids s.by holds. A "
    "table\n"
    "-- gets a snapshot the second time it is seen (ring: the last 4 seen once), so scripts that "
    "make a\n"
    "-- fresh tag table per call do not pay for snapshots they never use; at most MAXSNAPS are "
    "kept\n"
    "-- (strong keys, then all are dropped), so no weak table grows with those fresh tables.\n"
    "local snaps, nsnaps = {}, 0\n"
    "local ring, rpos = { false, false, false, false }, 1\n"
    "local plain = { by = {}, n = 0 }\n"
    "local src = { 'local next, rawequal = ...\\nreturn function(s, t)\\n  local k, v = "
    "next(t)\\n' }\n"
    "for i = 1, MAXPAIRS do\n"
    "  src[#src + 1] = format('  if k == nil then return s.len == %d end\\n' ..\n"
    "    '  if not rawequal(s[%d], k) or not rawequal(s[%d], v) then return false end\\n' ..\n"
    "    '  k, v = next(t, k)\\n', 2 * i - 1, 2 * i - 1, 2 * i)\n"
    "end\n"
    "src[#src + 1] = format('  return k == nil and s.len == %d\\nend\\n', 2 * MAXPAIRS + 1)\n"
    "local same = load(concat(src), '=lt_fast.same')(next, rawequal)\n"
    "local function snapshot(t)\n"
    "  local s, i = { by = {}, n = 0 }, 1\n"
    "  for k, v in next, t do\n"
    "    if i > 2 * MAXPAIRS then return nil end\n"
    "    s[i], s[i + 1] = k, v\n"
    "    i = i + 2\n"
    "  end\n"
    "  s.len = i\n"
    "  if nsnaps >= MAXSNAPS then snaps, nsnaps = {}, 0 end\n"
    "  snaps[t], nsnaps = s, nsnaps + 1\n"
    "  return s\n"
    "end\n"
    "-- Whether tag table t has a snapshot or was seen once before; a table seen for the first "
    "time goes\n"
    "-- to the C function whole (one C call, as without this file), and into the ring.\n"
    "local function seen(t)\n"
    "  if snaps[t] or rawequal(ring[1], t) or rawequal(ring[2], t) or rawequal(ring[3], t) or\n"
    "     rawequal(ring[4], t) then\n"
    "    return true\n"
    "  end\n"
    "  ring[rpos], rpos = t, rpos % 4 + 1\n"
    "  return false\n"
    "end\n"
    "local function tid_of(t, base, name)\n"
    "  local s = plain\n"
    "  if t then\n"
    "    s = snaps[t]\n"
    "    if not s or not same(s, t) then\n"
    "      s = snapshot(t)\n"
    "      if not s then return c_tid(t, name) end\n"
    "    end\n"
    "  end\n"
    "  local by = s.by[base]\n"
    "  local tid = by and by[name]\n"
    "  if tid then return tid end\n"
    "  tid = c_tid(t, name)\n"
    "  if s.n >= MAXNAMES then s.by, s.n, by = {}, 0, nil end\n"
    "  if not by then by = {}; s.by[base] = by end\n"
    "  by[name] = tid\n"
    "  s.n = s.n + 1\n"
    "  return tid\n"
    "end\n"
    "-- One check: its sample, and whether it passed. Level 3: lt.check's caller.\n"
    "local function one(res, name, f, tags)\n"
    "  if type(name) ~= 'string' then error('lt.check: check names must be strings', 3) end\n"
    "  local ok = f\n"
    "  if type(f) == 'function' then ok = f(res) end\n"
    "  ok = ok and 1 or 0\n"
    "  sample(rt, CHECKS, tid_of(tags, base_tid(rt), name), ok)\n"
    "  return ok == 1\n"
    "end\n"
    "local step = '  all = one(res, name, f, tags) and all\\n  name, f = next(checks, name)\\n' "
    "..\n"
    "  '  if name == nil then return all end\\n'\n"
    "local check = load('local next, type, one, base_tid, rt, c_check, seen = ...\\n' ..\n"
    "  'return function(...)\\n' ..\n"
    "  '  local res, checks, tags = ...\\n' ..\n"
    "  '  if type(checks) ~= \"table\" or base_tid(rt) < 0 then return c_check(...) end\\n' ..\n"
    "  '  if type(tags) ~= \"table\" then tags = nil elseif not seen(tags) then return "
    "c_check(...) end\\n' ..\n"
    "  '  local all = true\\n' ..\n"
    "  '  local name, f = next(checks)\\n' ..\n"
    "  '  if name == nil then return all end\\n' ..\n"
    "  rep(step, UNROLL) ..\n"
    "  '  while true do\\n' .. step .. '  end\\n' ..\n"
    "  'end\\n', '=lt_fast.check')(next, type, one, base_tid, rt, c_check, seen)\n"
    "local function add(...)\n"
    "  local m, v, tags = ...\n"
    "  local id, tv = ids[m], type(v)\n"
    "  if not id or (tv ~= 'number' and tv ~= 'boolean') then return c_add(...) end\n"
    "  local base = base_tid(rt)\n"
    "  if base < 0 then return c_add(...) end\n"
    "  if tv == 'boolean' then v = v and 1 or 0 end\n"
    "  if type(tags) ~= 'table' then tags = nil elseif not seen(tags) then return c_add(...) end\n"
    "  sample(rt, id, tid_of(tags, base, true), v)\n"
    "end\n"
    "-- One member of a flat object; false when the C encoder has to do the table.\n"
    "local function member(k, x)\n"
    "  if type(k) ~= 'string' then return false end\n"
    "  local tx = type(x)\n"
    "  if tx == 'string' then\n"
    "    jstr(buf, k, #k, x, #x)\n"
    "    return true\n"
    "  end\n"
    "  if tx == 'number' then return jnum(buf, k, #k, x) == 0 end\n"
    "  if tx == 'boolean' then\n"
    "    jbool(buf, k, #k, x and 1 or 0)\n"
    "    return true\n"
    "  end\n"
    "  return false\n"
    "end\n"
    "step = '  if not member(k, x) then return c_encode(...) end\\n  k, x = next(v, k)\\n' ..\n"
    "  '  if k == nil then jend(buf) return fstring(buf.p, buf.len) end\\n'\n"
    "local encode = load('local next, type, member, jbegin, jend, fstring, buf, c_encode = ...\\n' "
    "..\n"
    "  'return function(...)\\n' ..\n"
    "  '  local v = ...\\n' ..\n"
    "  '  if type(v) ~= \"table\" then return c_encode(...) end\\n' ..\n"
    "  '  local k, x = next(v)\\n' ..\n"
    "  '  if k == nil then return c_encode(...) end\\n' ..\n"
    "  '  jbegin(buf)\\n' ..\n"
    "  rep(step, UNROLL) ..\n"
    "  '  while true do\\n' .. step .. '  end\\n' ..\n"
    "  'end\\n', '=lt_fast.encode')(next, type, member, jbegin, jend, fstring, buf, c_encode)\n"
    "-- lt.http.get/post/put/patch/del with params.tags: the tag set id from tid_of, so the C "
    "function\n"
    "-- does not walk the table (twin: the C function taking it after params). params with a "
    "metatable\n"
    "-- go to the C function as they are (params.tags is read once more there).\n"
    "local http = {}\n"
    "for name, twin in next, tid_fns do\n"
    "  local args = name == 'get' and 'url, params' or 'url, body, params'\n"
    "  http[name] = load(format('local type, getmetatable, base_tid, rt, tid_of, c_fn, twin, seen "
    "= ...\\n' ..\n"
    "    'return function(...)\\n' ..\n"
    "    '  local %s = ...\\n' ..\n"
    "    '  if type(url) ~= \"string\" or type(params) ~= \"table\" or getmetatable(params) ~= nil "
    "then\\n' ..\n"
    "    '    return c_fn(...)\\n' ..\n"
    "    '  end\\n' ..\n"
    "    '  local tags, base = params.tags, base_tid(rt)\\n' ..\n"
    "    '  if type(tags) ~= \"table\" or base < 0 or not seen(tags) then return c_fn(...) end\\n' "
    "..\n"
    "    '  return twin(%s, tid_of(tags, base, true))\\n' ..\n"
    "    'end\\n', args, args), '=lt_fast.http.' .. name)(type, getmetatable, base_tid, rt, "
    "tid_of,\n"
    "    c_http[name], twin, seen)\n"
    "end\n"
    "return check, add, encode, http\n";

#define PUSH_FN(L, f) lua_pushlightuserdata(L, (void *)(uintptr_t) & (f))

void lt_open_fast(lua_State *L, runtime *rt) {
    if (!lt_ffi_enabled()) return;
    int lt = lua_gettop(L);
    luaL_getmetatable(L, "lt.metric");
    lua_getfield(L, -1, "__index");
    int methods = lua_gettop(L);
    lua_getfield(L, lt, "json");
    int json = lua_gettop(L);
    lua_getfield(L, lt, "http");
    int http = lua_gettop(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "ffi");
    if (!lua_istable(L, methods) || !lua_istable(L, json) || !lua_istable(L, http) ||
        lua_pcall(L, 1, 1, 0) != 0 ||
        luaL_loadbuffer(L, FAST_LUA, sizeof FAST_LUA - 1, "=lt_fast") != 0) {
        lua_settop(L, lt); /* no FFI in this LuaJIT: the C functions stay */
        return;
    }
    lua_insert(L, -2); /* chunk, ffi */
    lua_pushlightuserdata(L, rt);
    PUSH_FN(L, fast_base_tid);
    PUSH_FN(L, fast_sample);
    PUSH_FN(L, luajson_flat_begin);
    PUSH_FN(L, luajson_flat_string);
    PUSH_FN(L, luajson_flat_number);
    PUSH_FN(L, luajson_flat_bool);
    PUSH_FN(L, luajson_flat_end);
    lua_pushlightuserdata(L, &rt->fast_json);
    lua_getfield(L, lt, "check");
    lua_getfield(L, methods, "add");
    lua_getfield(L, json, "encode");
    lua_pushlightuserdata(L, rt);
    lua_pushcclosure(L, l_fast_tid, 1);
    lua_newtable(L); /* metric object -> id, weak keys */
    lua_newtable(L);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    int ids_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushinteger(L, M_CHECKS);
    lua_pushvalue(L, http);
    lua_getfield(L, LUA_REGISTRYINDEX, LT_HTTP_TID_FNS);
    if (!lua_istable(L, -1) || lua_pcall(L, 18, 4, 0) != 0) {
        luaL_unref(L, LUA_REGISTRYINDEX, ids_ref);
        lua_settop(L, lt);
        return;
    }
    rt->metric_ids_ref = ids_ref;
    lua_pushnil(L);
    while (lua_next(L, -2)) lua_setfield(L, http, lua_tostring(L, -2));
    lua_pop(L, 1);
    lua_setfield(L, json, "encode");
    lua_setfield(L, methods, "add");
    lua_setfield(L, lt, "check");
    lua_settop(L, lt);
}
