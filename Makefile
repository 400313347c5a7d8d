# The two commands: `make run` and `make test`. Both install what is missing first.
BUILD ?= build
JOBS ?= $(shell nproc)
DB ?= var/kefu.db
LISTEN ?= 127.0.0.1:8080

.PHONY: deps build web run test test-unit test-integration test-e2e fuzz bench eval clean

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja web
	cmake --build $(BUILD) -j $(JOBS)

web:
	@scripts/build-web.sh

run: build
	@mkdir -p var
	@$(BUILD)/kefu demo seed --db $(DB) --kb data/demo/kb.jsonl
	$(BUILD)/kefu serve --db $(DB) --listen $(LISTEN) --web-root web/dist --config data/demo/kefu.toml

test: build
	@scripts/test.sh

# Longer local fuzzing (FUZZ_SECONDS in total, default 20 minutes); `scripts/fuzz.sh --merge` keeps
# the new interesting inputs in tests/fuzz/corpus/. See tests/fuzz/README.md.
FUZZ_SECONDS ?= 1200
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$${FUZZ_SEED:-0} scripts/fuzz.sh

bench: build
	@bench/run.sh

eval: build
	@tools/eval/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) build-fuzz
