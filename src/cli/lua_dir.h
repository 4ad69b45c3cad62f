/* lua_dir.h — where lt finds its own Lua files (lua/lib for scripts, lua/report for lt report).
 *
 * Promise: the directory `rel` (may be "") under the installation's lua/ folder — bin/../lua/REL,
 * found from /proc/self/exe so an installed binary works from any directory — unless the
 * environment variable `env` names one; "lua/REL" (relative to the working directory) when neither
 * is known.
 */
#ifndef LT_CLI_LUA_DIR_H
#define LT_CLI_LUA_DIR_H
#include <stddef.h>

void lua_dir_find(const char *env, const char *rel, char *out, size_t len);
#endif
