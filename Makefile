# bitslot — the two commands of the README, and a few for developers.
#   make run    install what is missing, build, and start bitslot on LMDB
#   make test   install what the tests need, build plain and sanitized, run every test
#   make bench  build and run the benchmarks
.POSIX:
.PHONY: all run test bench build build-asan clean

STORE ?= lmdb:./data

all: build

build:
	@tools/install-deps build
	@[ -f build/build.ninja ] || meson setup build >/dev/null
	@ninja -C build

# The same with AddressSanitizer (and LeakSanitizer) and UndefinedBehaviorSanitizer.
build-asan:
	@[ -f build-asan/build.ninja ] || meson setup build-asan \
	    -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
	    -Dc_args=-fno-sanitize-recover=all >/dev/null
	@ninja -C build-asan

run: build
	./build/bitslot --store "$(STORE)" init

test:
	@tools/install-deps test
	@$(MAKE) --no-print-directory build build-asan
	@tools/run-tests build build-asan

bench: build
	./build/bench/bench_store

clean:
	rm -rf build build-asan
