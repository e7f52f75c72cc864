# Quick start: `make demo` and `make test` set everything up themselves.
PYTHON ?= python3
VENV := .venv
STAMP_SYS := $(VENV)/.system-packages
STAMP_PY := $(VENV)/.installed

.PHONY: setup demo test firmware fuzz-long clean
setup: $(STAMP_SYS) $(STAMP_PY)

$(STAMP_SYS): scripts/setup-system.sh
	bash scripts/setup-system.sh
	@mkdir -p $(VENV) && touch $@

$(STAMP_PY): pyproject.toml $(STAMP_SYS)
	[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	# labgrid needs its fork of pyserial (pyserial-labgrid); PlatformIO pins pyserial itself, so pip installs
	# both and they share the `serial` module: lay the fork's files last
	$(VENV)/bin/pip install -q --force-reinstall --no-deps pyserial-labgrid==3.5.0.2
	touch $@

firmware: setup
	$(MAKE) -C firmware all

# The lab's main job at a small scale: a mixed-precision search of the shipped speech model on the
# emulated board. Rerunning resumes from results/demo-search/search.db.
demo: setup
	$(VENV)/bin/hil info
	$(VENV)/bin/hil search --budget 64kB --task se --board qemu-f446 --population 12 --generations 4 \
		--val-limit 12 --seed 0 --out results/demo-search

test: setup
	$(VENV)/bin/pytest

# Every fuzz target, firmware (libFuzzer) and host (atheris), FUZZ_SECONDS each, from the committed seeds;
# corpora grow in firmware/build/fuzz and build/fuzz-host between runs.
fuzz-long: setup
	$(MAKE) -C firmware fuzz-long FUZZ_SECONDS=$(or $(FUZZ_SECONDS),600)
	for t in $$($(VENV)/bin/python -c 'from tests.fuzz import target_names; print(*target_names())'); do \
		$(VENV)/bin/python -m tests.fuzz.run $$t --seconds $(or $(FUZZ_SECONDS),600) || exit 1; done

clean:
	$(MAKE) -C firmware clean
