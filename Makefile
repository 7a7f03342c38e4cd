# gureum — build, run and test.
#   make          build/gureum (optimised)
#   make run      install deps, build, serve on 127.0.0.1:4566 with data in ./data
#   make test     install deps, build the sanitizer build, run every test
# The test build (build/test/) uses AddressSanitizer + UndefinedBehaviorSanitizer,
# GUREUM_ARENA_DEBUG (one malloc per arena allocation) and GUREUM_TESTING
# (fault-injection sites).

CC       ?= cc
PYTHON   ?= /usr/bin/python3
BOTOCORE ?= /usr/lib/python3/dist-packages/botocore/data
# Each fuzz target's run in `make test` (longer by hand: make fuzz FUZZ_SECONDS=600);
# short, as CI's whole run must end within 30 minutes on two cores.
FUZZ_SECONDS ?= 5
# Builds run as many compilers at once as the machine has cores (CI has two).
NPROC    := $(shell nproc 2>/dev/null || echo 2)
# pytest-xdist workers for `make e2e`: the suite mostly waits (servers, CLIs, machines booting),
# so three workers keep two cores busy; on this project's 2-core machine the run took 745 s
# with 3 or 4 workers against about 1280 s on one. Modules that run machines share one worker
# (tests/e2e/conftest.py says why).
E2E_WORKERS ?= 3

SERVICES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard src/services/*/*.ops)))))
OPS      := $(foreach s,$(SERVICES),src/services/$(s)/$(s).ops)
SCHEMAS  := $(wildcard src/services/*/schema/*.sql)

SRC      := $(shell find src -name '*.c' | sort)
LIBSRC   := $(filter-out src/main.c,$(SRC))
# sqsjson: SQS's model again as json 1.0 (X-Amz-Target: AmazonSQS.*), which newer SDKs send;
# cloudwatchjson likewise (X-Amz-Target: GraniteServiceVersion20100801.*), and cloudwatchcbor as
# smithy-rpc-v2-cbor (POST /service/GraniteServiceVersion20100801/operation/<Op>), which the AWS CLI v2 sends.
GEN_C    := $(foreach s,$(SERVICES),build/gen/$(s)_model.c) build/gen/sqsjson_model.c build/gen/cloudwatchjson_model.c
GEN_C    += build/gen/cloudwatchcbor_model.c
GEN_C    += build/gen/schemas.c
GEN_C    += build/gen/bootstraps.c
# Debian's pkg-config names: libevent_core (event loop, bufferevents, listener: all
# src/http uses), libevent_pthreads, sqlite3, libssl (services/httpsend's https:) and
# libcrypto (both from libssl-dev), zlib and
# libzstd (DynamoDB's ImportTable reads GZIP and ZSTD objects: zlib1g-dev, libzstd-dev).
DEPS_PC  := libevent_core libevent_pthreads sqlite3 libssl libcrypto zlib libzstd
PKG_CFLAGS := $(shell pkg-config --cflags $(DEPS_PC) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(DEPS_PC) 2>/dev/null || echo -levent_core -levent_pthreads -lsqlite3 -lssl -lcrypto -lz -lzstd)
VERSION  := $(shell git describe --always --dirty 2>/dev/null || echo dev)

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS_COMMON := -std=gnu17 $(WARN) -Isrc -Ibuild/gen $(PKG_CFLAGS) -DGUREUM_VERSION='"$(VERSION)"' -MMD -MP
REL_CFLAGS  := $(CFLAGS_COMMON) -O2 -g -fno-pie
TEST_CFLAGS := $(CFLAGS_COMMON) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=undefined -DGUREUM_ARENA_DEBUG -DGUREUM_TESTING
LIBS     := $(PKG_LIBS) -lpthread -lm
# The release binary links the libraries statically and is not PIE, so the
# dynamic loader has almost nothing to map or relocate at start (start-to-first-
# answer: bench/startup). The .a files come with Debian's -dev packages. Only
# libc and libm stay shared (glibc 2.34+ has dlopen and pthreads in libc).
# Test and fuzz builds stay dynamic.
REL_LIBS := -no-pie -Wl,-Bstatic -levent_pthreads -levent_core -lsqlite3 -lssl -lcrypto -lz -lzstd -Wl,-Bdynamic -lpthread -lm

REL_OBJ  := $(patsubst %.c,build/rel/%.o,$(SRC) $(GEN_C))
TEST_OBJ := $(patsubst %.c,build/test/%.o,$(LIBSRC) $(GEN_C))

UNIT_SRC := $(shell find tests/unit -name '*_test.c' 2>/dev/null | sort)
UNIT_BIN := $(patsubst tests/unit/%.c,build/test/unit/%,$(UNIT_SRC))
HARNESS  := $(filter-out %_test.c,$(shell find tests/unit -name '*.c' 2>/dev/null | sort))
HARNESS_OBJ := $(patsubst %.c,build/test/%.o,$(HARNESS))
FUZZ_SRC := $(filter-out tests/fuzz/replay.c,$(wildcard tests/fuzz/*_fuzz.c))

.PHONY: all run test deps unit e2e protocol fuzz fuzz-build fuzz-replay bench clean format gen
.SECONDARY:

all: build/gureum

deps:
	@scripts/install-deps.sh

gen: $(GEN_C)

.SECONDEXPANSION:
build/gen/%_model.c: src/services/$$*/$$*.ops tools/gen_models.py $$(wildcard src/services/$$*/$$*.model.json)
	@mkdir -p build/gen
	$(PYTHON) tools/gen_models.py --botocore $(BOTOCORE) --service $* --ops $< --out build/gen

build/gen/sqsjson_model.c: src/services/sqs/sqs.ops tools/gen_models.py src/services/sqs/sqs.model.json
	@mkdir -p build/gen
	$(PYTHON) tools/gen_models.py --botocore $(BOTOCORE) --service sqs --ops $< --out build/gen \
	  --as-json-target AmazonSQS --name sqsjson

build/gen/cloudwatchjson_model.c: src/services/cloudwatch/cloudwatch.ops tools/gen_models.py \
  src/services/cloudwatch/cloudwatch.model.json
	@mkdir -p build/gen
	$(PYTHON) tools/gen_models.py --botocore $(BOTOCORE) --service cloudwatch --ops $< --out build/gen \
	  --as-json-target GraniteServiceVersion20100801 --name cloudwatchjson

build/gen/cloudwatchcbor_model.c: src/services/cloudwatch/cloudwatch.ops tools/gen_models.py \
  src/services/cloudwatch/cloudwatch.model.json
	@mkdir -p build/gen
	$(PYTHON) tools/gen_models.py --botocore $(BOTOCORE) --service cloudwatch --ops $< --out build/gen \
	  --as-cbor GraniteServiceVersion20100801 --name cloudwatchcbor

# The Lambda runtime bootstraps, embedded so the binary needs no files (src/runtime/rt.h).
build/gen/bootstraps.c: src/runtime/bootstrap/node.js src/runtime/bootstrap/python.py tools/gen_embed.py
	@mkdir -p build/gen
	$(PYTHON) tools/gen_embed.py --out $@ rt_bootstrap_node=src/runtime/bootstrap/node.js \
	  rt_bootstrap_python=src/runtime/bootstrap/python.py

build/gen/schemas.c: $(SCHEMAS) tools/gen_schemas.py
	@mkdir -p build/gen
	$(PYTHON) tools/gen_schemas.py --out $@ $(SERVICES)

build/gureum: $(REL_OBJ)
	$(CC) -o $@ $^ $(REL_LIBS)

# Tests link against archives, so a unit test pulls in only the objects it uses.
build/test/libgureum.a: $(TEST_OBJ)
	rm -f $@; ar rcs $@ $^

build/test/gureum: build/test/src/main.o build/test/libgureum.a
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LIBS)

build/rel/%.o: %.c | $(GEN_C)
	@mkdir -p $(dir $@)
	$(CC) $(REL_CFLAGS) -c $< -o $@

build/test/%.o: %.c | $(GEN_C)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

build/test/tests/%.o: tests/%.c | $(GEN_C)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -Itests -Itests/unit -c $< -o $@

build/test/unit/%: build/test/tests/unit/%.o $(HARNESS_OBJ) build/test/libgureum.a
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LIBS) -lcmocka

run: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/gureum
	@mkdir -p data
	./build/gureum serve --host 127.0.0.1 --port 4566 --data ./data

# Everything the tests need is built first, NPROC compilers at once; the tests
# themselves then run one after another.
test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) build/test/gureum build/gureum build/test/proto_tool \
	  $(UNIT_BIN) $(REPLAY_BIN) fuzz-build
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-replay
	@$(MAKE) --no-print-directory fuzz
	@$(MAKE) --no-print-directory e2e

unit: $(UNIT_BIN)
	@set -e; pass=0; fail=0; for t in $(UNIT_BIN); do \
	  if $$t; then pass=$$((pass+1)); else fail=$$((fail+1)); echo "FAILED: $$t"; fi; done; \
	  echo "unit: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

e2e: build/test/gureum build/gureum build/test/proto_tool
	GUREUM_BIN=$(CURDIR)/build/test/gureum PROTO_TOOL=$(CURDIR)/build/test/proto_tool \
	  $(PYTHON) -m pytest -q -p no:cacheprovider -n $(E2E_WORKERS) --dist loadgroup tests/protocol tests/e2e

build/test/proto_tool: build/test/tests/protocol/proto_tool.o build/test/libgureum.a
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LIBS)

# libFuzzer targets, built with clang, each run for FUZZ_SECONDS on its corpus.
FUZZ_COMMON := -std=gnu17 -g -O1 -Isrc -Ibuild/gen $(PKG_CFLAGS) -DGUREUM_ARENA_DEBUG -DGUREUM_TESTING -DGUREUM_VERSION='"fuzz"'
# Library objects are instrumented for coverage but carry no libFuzzer main.
FUZZ_CFLAGS := $(FUZZ_COMMON) -fsanitize=fuzzer,address,undefined
FUZZ_OBJ_CFLAGS := $(FUZZ_COMMON) -fsanitize=fuzzer-no-link,address,undefined
FUZZ_OBJ := $(patsubst %.c,build/fuzz/obj/%.o,$(LIBSRC) $(GEN_C))
build/fuzz/obj/%.o: %.c | $(GEN_C)
	@mkdir -p $(dir $@)
	clang $(FUZZ_OBJ_CFLAGS) -c $< -o $@
build/fuzz/libgureum.a: $(FUZZ_OBJ)
	rm -f $@; ar rcs $@ $^
fuzz-build: $(patsubst tests/fuzz/%.c,build/fuzz/%,$(FUZZ_SRC))
build/fuzz/%: tests/fuzz/%.c build/fuzz/libgureum.a
	@mkdir -p build/fuzz
	clang $(FUZZ_CFLAGS) -Itests -o $@ $< build/fuzz/libgureum.a $(LIBS)
fuzz: fuzz-build
	@set -e; for f in $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRC)); do \
	  mkdir -p build/fuzz/corpus-$$f; \
	  echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
	  build/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
	    $$( [ -f tests/fuzz/dict/$$f.dict ] && echo -dict=tests/fuzz/dict/$$f.dict ) \
	    build/fuzz/corpus-$$f tests/fuzz/corpus/$$f 2>build/fuzz/$$f.log || { tail -50 build/fuzz/$$f.log; exit 1; }; \
	done

# Each fuzz target's committed corpus replayed under gcc's ASan/UBSan build.
REPLAY_BIN := $(patsubst tests/fuzz/%.c,build/test/replay/%,$(FUZZ_SRC))
build/test/replay/%: build/test/tests/fuzz/%.o build/test/tests/fuzz/replay.o build/test/libgureum.a
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=address,undefined -o $@ $^ $(LIBS)
fuzz-replay: $(REPLAY_BIN)
	@set -e; for t in $(REPLAY_BIN); do n=$$(basename $$t); $$t tests/fuzz/corpus/$$n >/dev/null; done; \
	  echo "fuzz-replay: $(words $(REPLAY_BIN)) corpora replayed"

bench: build/gureum
	bench/startup/run.sh

format:
	clang-format -i $(SRC) $(shell find tests -name '*.c' -o -name '*.h') $(shell find src -name '*.h')

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
