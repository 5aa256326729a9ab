# bitslot — the two commands of the README, and a few for developers.
#   make run    install what is missing, build, start a regtest node and bitslot serve on LMDB
#   make stop   stop that regtest node and the server
#   make test   install what the tests need, build plain and sanitized (ASan+UBSan, TSan), run the tests
#   make bench  build and run the benchmarks
#   make fuzz   fuzz the parsers of untrusted input (clang, libFuzzer; FUZZ_SECONDS each)
#   make chaos  users under killed servers and etcd members, on LMDB then 3 members (CHAOS_SECONDS each)
.POSIX:
.PHONY: all run stop test bench fuzz chaos build build-asan build-tsan clean

all: build

build:
	@tools/install-deps build
	@tools/setup-build build
	@ninja -C build

# The same with AddressSanitizer (and LeakSanitizer) and UndefinedBehaviorSanitizer.
build-asan:
	@tools/setup-build build-asan -Dtests=enabled \
	    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
	    -Dc_args=-fno-sanitize-recover=all
	@ninja -C build-asan

# The same with ThreadSanitizer (gcc's, Debian's libtsan2): tools/run-tests
# runs only the suite 'tsan' there (the server's threads and the races).
build-tsan:
	@tools/setup-build build-tsan -Dtests=enabled -Db_sanitize=thread
	@ninja -C build-tsan

run: build
	@tools/install-deps run
	@tools/run-local

stop:
	@if [ -f run/serve.pid ]; then kill "$$(cat run/serve.pid)" 2>/dev/null || true; rm -f run/serve.pid; echo "bitslot serve stopped"; fi
	@if [ -f run/regtest.pid ]; then kill "$$(cat run/regtest.pid)" 2>/dev/null || true; rm -f run/regtest.pid; echo "regtest node stopped"; fi

test:
	@tools/install-deps test
	@tools/setup-build build -Dtests=enabled
	@$(MAKE) --no-print-directory build build-asan build-tsan
	@tools/run-tests build build-asan build-tsan

# One table of every figure of issue 9, each with its baseline from the same
# run (bench/README.md says how each is measured).
bench: build
	@tools/install-deps bench
	@bench/run ./build/bench/bench_store ./build/bench/bench_purchase \
	    "tools/with-etcd ./build/bench/bench_purchase_etcd" \
	    "./build/bench/bench_embed ./build/bitslot" "./build/bench/bench_startup ./build/bitslot"

fuzz:
	@tools/install-deps build
	@tools/fuzz

# The chaos test of issue 12 for minutes (CHAOS_SECONDS, default 300; CHAOS_SEED
# replays a run): on LMDB, then on a 3-member etcd cluster; both always run.
chaos: build
	@tools/install-deps test
	@s=0; tools/chaos build || s=1; tools/with-etcd --members 3 tools/chaos build || s=1; exit $$s

clean:
	rm -rf build build-asan build-tsan build-fuzz
