# lt — Lua-scriptable HTTP load tester. `make` builds bin/lt and bin/mesim.
# Targets: all, test, asan, test-asan, demo, bench, fuzz, format, clean. See README.md.

CC       ?= cc
BUILD    ?= build
BIN      ?= bin
OPT      ?= -O2
CFLAGS_W := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
SAN      ?=
CFLAGS   += -std=c11 -D_GNU_SOURCE $(OPT) -g -pthread $(CFLAGS_W) $(SAN) -Isrc -I$(BUILD)/gen
LDFLAGS  += $(SAN)

# Libraries, found with pkg-config; each line maps a pkg-config name to the Debian package.
PKGS := luajit:libluajit-5.1-dev libevent:libevent-dev libevent_pthreads:libevent-dev \
        libevent_openssl:libevent-dev \
        openssl:libssl-dev libcjson:libcjson-dev libprotobuf-c:libprotobuf-c-dev \
        snappy:libsnappy-dev zlib:zlib1g-dev
PKG_NAMES := $(foreach p,$(PKGS),$(firstword $(subst :, ,$(p))))
MISSING := $(foreach p,$(PKGS),$(if $(shell pkg-config --exists $(firstword $(subst :, ,$(p))) && echo y),,$(word 2,$(subst :, ,$(p)))))
ifneq ($(strip $(MISSING)),)
  ifeq ($(filter clean format,$(MAKECMDGOALS)),)
    $(error missing libraries: install the Debian packages '$(sort $(MISSING))' (or run deps/install.sh))
  endif
endif
ifeq ($(wildcard /usr/include/http_parser.h),)
  ifeq ($(filter clean format,$(MAKECMDGOALS)),)
    $(error missing http_parser.h: install the Debian package 'libhttp-parser-dev' (or run deps/install.sh))
  endif
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKG_NAMES) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKG_NAMES) 2>/dev/null) -lhttp_parser -lm
CFLAGS += $(PKG_CFLAGS)
# LuaJIT on x86_64 wants non-PIE executables to keep its mcode near the binary; it works either way.
LDLIBS += $(PKG_LIBS) -ldl

LT_DIRS   := base cli plan exec net vu metrics output scrape
LT_SRC    := $(foreach d,$(LT_DIRS),$(wildcard src/$(d)/*.c))
PROTO_SRC := $(wildcard src/output/*.proto)
PROTO_C   := $(patsubst src/output/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTO_SRC))
LT_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(LT_SRC)) $(PROTO_C:.c=.o)
LIB_OBJ   := $(filter-out $(BUILD)/src/cli/main.o,$(LT_OBJ))
MESIM_SRC := $(wildcard src/mesim/*.c)
MESIM_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(MESIM_SRC))
MESIM_LIB := $(filter-out $(BUILD)/src/mesim/main.o,$(MESIM_OBJ))
UNIT_SRC  := $(wildcard tests/unit/*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.SECONDARY:
.PHONY: all test asan test-asan demo bench bench-smoke fuzz fuzz-smoke format clean unit soak
all: $(BIN)/lt $(BIN)/mesim

$(BIN)/lt: $(LT_OBJ) | $(BIN)
	@echo "  LD    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BIN)/mesim: $(MESIM_OBJ) | $(BIN)
	@echo "  LD    $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: src/output/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=src/output --c_out=$(BUILD)/gen $<

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	$(CC) $(CFLAGS) -Wno-error -c -o $@ $<

$(BUILD)/%.o: %.c $(PROTO_C)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Unit tests: each tests/unit/X.c is a program linked against lt's and mesim's objects (not main).
$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ) $(MESIM_LIB)
	@mkdir -p $(dir $@)
	@echo "  TEST  $@"
	@$(CC) $(CFLAGS) -Itests/unit -o $@ $^ $(LDLIBS)

$(BIN):
	mkdir -p $(BIN)

unit: $(UNIT_BIN)

# The whole suite: unit tests, end-to-end tests against real servers on loopback, a short fuzz pass.
test: all unit
	tests/run

# Sanitizer build in its own folders, so it never mixes with the optimised objects.
asan:
	$(MAKE) BUILD=build-asan BIN=bin-asan OPT="-O1 -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all unit

# Everything but the benchmark smoke run and the soak, whose figures mean nothing under ASan.
test-asan: asan
	LT_TEST_SKIP=bench,soak LT_BIN_DIR=bin-asan LT_BUILD_DIR=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1 tests/run

demo: all
	scenarios/demo

bench: all
	tests/bench/run

bench-smoke: all
	LT_BENCH_SECONDS=1 LT_BENCH_PAIRS=1 tests/bench/run

# The 10-minute soak of issue 7 (CI runs a 40-second version inside `make test`).
soak: all
	LT_SOAK_SECONDS=600 bash tests/soak/soak_test.sh

fuzz:
	tests/fuzz/run

fuzz-smoke:
	LT_FUZZ_SECONDS=10 tests/fuzz/run

format:
	clang-format -i $$(find src tests -name '*.[ch]')

clean:
	rm -rf build build-asan build-fuzz bin bin-asan

-include $(LT_OBJ:.o=.d) $(MESIM_OBJ:.o=.d)
