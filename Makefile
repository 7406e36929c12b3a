# facenet-run - build, test, bench.  `make help` lists the targets.
#
# Sources are found by folder, so adding a file needs no edit here:
#   ops/*.c nn/*.c weights/*.c face/*.c   -> build/libfacenet.a (the engine)
#   ops/x86/*_avx2.c, *_avx512.c           -> same library, each file built
#                                            with only its own ISA's flags
#   ops/arm/*_neon.c                       -> same library on aarch64
#   tools/*.c                              -> build/libtools.a (CLI, converters)
#   tools/bin/NAME.c                       -> build/NAME (facenet-run is also
#                                            copied to ./facenet-run)
#   tests/test_*.c                         -> build/tests/test_* (cmocka)
#   bench/bench_*.c                        -> build/bench/bench_*
#
# Switches: SIMD=0 (scalar only, any C11 compiler), BLAS=openblas (comparison
# path), SAN=1 (ASan+UBSan), WERROR=1, NATIVE=1 (-march=native, opt-in).

CC      ?= cc
PYTHON  ?= /usr/bin/python3
BUILD   ?= build
SIMD    ?= 1
BLAS    ?=
SAN     ?= 0
WERROR  ?= 0
NATIVE  ?= 0
OPT     ?= -O2

WARN = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wpointer-arith -Wcast-align -Wformat=2 -Wundef -Wvla -Wwrite-strings
CFLAGS_BASE = -std=c11 $(OPT) -g $(WARN) -D_POSIX_C_SOURCE=200809L -I.
LDLIBS = -lm -lpthread

ifeq ($(WERROR),1)
CFLAGS_BASE += -Werror
endif
ifeq ($(SAN),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(NATIVE),1)
CFLAGS_BASE += -march=native
endif

ARCH := $(shell uname -m)
LIB_SRCS := $(wildcard ops/*.c nn/*.c weights/*.c face/*.c)
ifeq ($(SIMD),1)
ifneq ($(filter x86_64 amd64 i686,$(ARCH)),)
LIB_SRCS += $(wildcard ops/x86/*.c)
CFLAGS_BASE += -DFACENET_HAVE_X86=1
endif
ifneq ($(filter aarch64 arm64,$(ARCH)),)
LIB_SRCS += $(wildcard ops/arm/*.c)
CFLAGS_BASE += -DFACENET_HAVE_NEON=1
endif
endif
ifeq ($(BLAS),openblas)
CFLAGS_BASE += -DFACENET_HAVE_OPENBLAS=1 -I/usr/include/x86_64-linux-gnu/openblas-pthread
LDLIBS += -lopenblas
endif
CFLAGS += $(CFLAGS_BASE)

# Per-ISA flags: each SIMD file gets only its own.
AVX2_FLAGS   = -mavx2 -mfma -mf16c
AVX512_FLAGS = -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mf16c

TOOL_SRCS  := $(filter-out tools/bin/%,$(wildcard tools/*.c))
PROG_SRCS  := $(wildcard tools/bin/*.c)
TEST_SRCS  := $(wildcard tests/test_*.c)
BENCH_SRCS := $(wildcard bench/bench_*.c)

LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o)
PROGS     := $(PROG_SRCS:tools/bin/%.c=$(BUILD)/%)
TESTS     := $(TEST_SRCS:tests/%.c=$(BUILD)/tests/%)
BENCHES   := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
LIB       := $(BUILD)/libfacenet.a
TOOLLIB   := $(BUILD)/libtools.a

.PHONY: all test test-only check asan scalar bench models fuzz clean help
.DEFAULT_GOAL := all

all: $(PROGS) facenet-run

help:
	@echo "make            build ./facenet-run, the tools in $(BUILD)/ and the library"
	@echo "make test       build and run every test in tests/ (cmocka)"
	@echo "make check      warnings as errors, then the tests, then the scalar-only build's tests"
	@echo "make asan       the tests under AddressSanitizer + UndefinedBehaviorSanitizer"
	@echo "make scalar     build and test with SIMD=0 (no SIMD code at all)"
	@echo "make bench      build and run the benchmarks in bench/"
	@echo "make models     fetch the pinned npm packages, check sha256, convert into models/"
	@echo "make fuzz       build the libFuzzer targets (clang) into $(BUILD)/fuzz/"
	@echo "make clean      remove build outputs (not models/)"
	@echo "switches: SIMD=0 BLAS=openblas SAN=1 WERROR=1 NATIVE=1 CC=clang"

facenet-run: $(BUILD)/facenet-run
	cp $< $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(TOOLLIB): $(TOOL_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/ops/x86/%_avx2.o: ops/x86/%_avx2.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(AVX2_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/ops/x86/%_avx512.o: ops/x86/%_avx512.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(AVX512_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%: tools/bin/%.c $(TOOLLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(TOOLLIB) $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(TOOLLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(TOOLLIB) $(LIB) -lcmocka $(LDLIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(TOOLLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(TOOLLIB) $(LIB) $(LDLIBS) -o $@

# Tests run from the repository root (golden files are found as tests/...).
# Each test binary prints its own cmocka summary; the last line sums them up.
define run-tests
pass=0; fail=0; failed=""; \
	for t in $(TESTS); do \
	  echo "== $$t"; \
	  if $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); failed="$$failed $$t"; fi; \
	done; \
	echo; [ -z "$$failed" ] || echo "failed:$$failed"; \
	echo "$$pass passed, $$fail failed"; \
	[ $$fail -eq 0 ]
endef

test: all $(TESTS)
	@$(run-tests)

# check builds in its own folders so that -Werror really sees every file.
check:
	$(MAKE) WERROR=1 BUILD=$(BUILD)/werror test-only
	$(MAKE) WERROR=1 SIMD=0 BUILD=$(BUILD)/scalar test-only

# Tests of a build in another folder, without the copy to ./facenet-run.
test-only: $(PROGS) $(TESTS)
	@$(run-tests)

scalar:
	$(MAKE) SIMD=0 BUILD=$(BUILD)/scalar test-only

asan:
	$(MAKE) SAN=1 OPT=-O1 BUILD=$(BUILD)/asan test-only

bench: $(BENCHES) all
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

models:
	bash tools/fetch-models.sh

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
fuzz:
	@mkdir -p $(BUILD)/fuzz
	@for f in $(FUZZ_SRCS); do \
	  n=$$(basename $$f .c); echo "clang $$f -> $(BUILD)/fuzz/$$n"; \
	  clang -std=c11 -g -O1 -I. -D_POSIX_C_SOURCE=200809L -DFACENET_FUZZ=1 -fsanitize=fuzzer,address,undefined \
	    $$f $(LIB_SRCS:ops/x86/%=) -lm -lpthread -o $(BUILD)/fuzz/$$n || exit 1; \
	done

clean:
	rm -rf $(BUILD) facenet-run

-include $(LIB_OBJS:.o=.d) $(TOOL_OBJS:.o=.d)
