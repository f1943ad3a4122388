# huginn: one plain Makefile.  `make` builds the two static binaries and the
# BPF object; `make test` runs every test; `make fuzz` runs the fuzzers longer.
# V=1 shows commands.

BUILD   ?= build
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wpointer-arith -Wcast-qual -Wformat=2
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
DEFS    := -D_GNU_SOURCE -DHUGINN_VERSION=\"$(VERSION)\"
INCS    := -I.

MUSL_CC ?= musl-gcc
HOST_CC ?= gcc
CLANG   ?= clang
# One formatter version for every machine: clang-format 14 and 19 lay out a few
# constructs differently, so `make fmt` and test/e2e/t_format.sh both use this one
# (packaged by Debian 12 and 13 alike).
CLANG_FORMAT ?= clang-format-19
ARCH_INC ?= /usr/include/$(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZSAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined

LIB_SRCS   := $(sort $(wildcard sys/*.c agent/*.c p0f/*.c http/*.c tls/*.c pp/*.c proxy/*.c))
AGENT_SRCS := agent.c
PROXY_SRCS := proxy.c
UNIT_SRCS  := $(sort $(wildcard test/unit/test_*.c))
FUZZ_SRCS  := $(sort $(wildcard test/fuzz/fuzz_*.c))
TOOL_SRCS  := $(sort $(wildcard test/tools/*.c))
HDRS       := $(wildcard bpf/*.h sys/*.h agent/*.h p0f/*.h http/*.h tls/*.h pp/*.h proxy/*.h test/*.h)

REL_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/rel/%.o)
SAN_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/san/%.o)
FP_OBJ    := $(BUILD)/p0f_builtin.o
FUZZ_OBJS := $(LIB_SRCS:%.c=$(BUILD)/fuzz/%.o)

AGENT := $(BUILD)/huginn-ebpf-agent
PROXY := $(BUILD)/huginn-proxy
BPF_OBJ := $(BUILD)/xdp_syn.o
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(BUILD)/san/%)
FUZZ_BINS := $(FUZZ_SRCS:test/fuzz/%.c=$(BUILD)/fuzz/%)
TOOL_BINS := $(TOOL_SRCS:test/tools/%.c=$(BUILD)/tools/%)

PREFIX  ?= /usr/local
DESTDIR ?=

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Keep intermediate objects: relinking a test must not recompile the library.
.SECONDARY:

.PHONY: all deps test-deps test unit e2e fuzz fuzz-smoke fuzz-campaign san clean install demo bench bench-xdp fmt soak

all: deps $(AGENT) $(PROXY) $(BPF_OBJ)

# Installs missing build tools on a Debian machine (as root); a no-op when present.
deps:
	$(Q)sh scripts/deps.sh build

test-deps:
	$(Q)sh scripts/deps.sh test

# musl-gcc does not search the kernel UAPI headers; a directory of links does.
$(BUILD)/include/.stamp:
	$(Q)mkdir -p $(BUILD)/include
	$(Q)ln -sfn /usr/include/linux $(BUILD)/include/linux
	$(Q)ln -sfn /usr/include/asm-generic $(BUILD)/include/asm-generic
	$(Q)ln -sfn $(ARCH_INC)/asm $(BUILD)/include/asm
	$(Q)touch $@

$(BUILD)/rel/%.o: %.c $(HDRS) $(BUILD)/include/.stamp
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(MUSL_CC) $(CFLAGS) $(WARN) $(DEFS) $(INCS) -isystem $(BUILD)/include \
		-ffunction-sections -fdata-sections -c $< -o $@

$(BUILD)/libhuginn.a: $(REL_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

# The agent carries the BPF object inside it (bpf/blob.S), see sys/obj.h.
$(BUILD)/blob.o: bpf/blob.S $(BPF_OBJ)
	$(Q)$(HOST_CC) -c -DHUGINN_BPF_OBJ_PATH='"$(BPF_OBJ)"' $< -o $@

$(AGENT): $(AGENT_SRCS:%.c=$(BUILD)/rel/%.o) $(BUILD)/blob.o $(BUILD)/libhuginn.a
	@echo "  LD      $@"
	$(Q)$(MUSL_CC) -static -Wl,--gc-sections -o $@ $^
	$(Q)strip $@

$(PROXY): $(PROXY_SRCS:%.c=$(BUILD)/rel/%.o) $(FP_OBJ) $(BUILD)/libhuginn.a
	@echo "  LD      $@"
	$(Q)$(MUSL_CC) -static -Wl,--gc-sections -o $@ $^
	$(Q)strip $@

# The proxy carries p0f/huginn.fp (p0f/builtin.S, see p0f/builtin.h).  Every link of
# the library objects needs it; the release agent links the archive and never pulls it.
$(FP_OBJ): p0f/builtin.S p0f/huginn.fp
	@mkdir -p $(dir $@)
	$(Q)$(HOST_CC) -c -DHUGINN_FP_PATH='"p0f/huginn.fp"' $< -o $@

# --version prints `git describe` (HUGINN_VERSION): rebuild the two mains whenever it
# changes, not only when their sources do.
$(BUILD)/version: FORCE
	@mkdir -p $(BUILD)
	$(Q)echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' >$@
$(BUILD)/rel/agent.o $(BUILD)/rel/proxy.o $(BUILD)/san/agent.o $(BUILD)/san/proxy.o: $(BUILD)/version
.PHONY: FORCE
FORCE:

$(BPF_OBJ): bpf/xdp_syn.c bpf/xdp_syn.h
	@mkdir -p $(dir $@)
	@echo "  BPF     $<"
	$(Q)$(CLANG) -O2 -g -target bpf -Wall -Werror -I$(ARCH_INC) -c $< -o $@

# Sanitizer builds: the library, both mains and the unit tests, with the host compiler.
$(BUILD)/san/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC-SAN  $<"
	$(Q)$(HOST_CC) -O1 -g $(SAN) $(WARN) $(DEFS) $(INCS) -c $< -o $@

$(BUILD)/san/huginn-ebpf-agent: $(AGENT_SRCS:%.c=$(BUILD)/san/%.o) $(BUILD)/blob.o $(FP_OBJ) $(SAN_OBJS)
	$(Q)$(HOST_CC) $(SAN) -o $@ $^

$(BUILD)/san/huginn-proxy: $(PROXY_SRCS:%.c=$(BUILD)/san/%.o) $(FP_OBJ) $(SAN_OBJS)
	$(Q)$(HOST_CC) $(SAN) -o $@ $^

$(BUILD)/san/test_%: $(BUILD)/san/test/unit/test_%.o $(BUILD)/blob.o $(FP_OBJ) $(SAN_OBJS)
	@echo "  LD-SAN  $@"
	$(Q)$(HOST_CC) $(SAN) -o $@ $^

# Test tools (frame generators, PROXY header senders and the like): plain host builds
# linked with a plain host build of the library, so a tool reuses our modules without
# sanitizer runtimes (a tool's exit status must be its own).
HOST_OBJS := $(LIB_SRCS:%.c=$(BUILD)/host/%.o)
$(BUILD)/host/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC-HOST $<"
	$(Q)$(HOST_CC) -O1 -g $(WARN) $(DEFS) $(INCS) -c $< -o $@

$(BUILD)/host/libhuginn.a: $(HOST_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/tools/%: test/tools/%.c $(HDRS) $(BUILD)/host/libhuginn.a
	@mkdir -p $(dir $@)
	@echo "  CC-TOOL $<"
	$(Q)$(HOST_CC) -O1 -g $(WARN) $(DEFS) $(INCS) -o $@ $< $(BUILD)/host/libhuginn.a

# The XDP program vs. the user-space parser on whole pcaps (test/e2e/t_xdp_pcap.sh).
$(BUILD)/san/xdp_pcap_cmp: $(BUILD)/san/test/e2e/xdp_pcap_cmp.o $(BUILD)/blob.o $(FP_OBJ) $(SAN_OBJS)
	@echo "  LD-SAN  $@"
	$(Q)$(HOST_CC) $(SAN) -o $@ $^

san: $(BUILD)/san/huginn-ebpf-agent $(BUILD)/san/huginn-proxy $(UNIT_BINS)

# libFuzzer targets with clang.
$(BUILD)/fuzz/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	$(Q)$(CLANG) -O1 -g $(FUZZSAN) $(WARN) $(DEFS) $(INCS) -c $< -o $@

$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(FUZZ_OBJS) $(FP_OBJ) $(HDRS)
	@echo "  LD-FUZZ $@"
	$(Q)$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined $(WARN) $(DEFS) $(INCS) \
		-o $@ $< $(FUZZ_OBJS) $(FP_OBJ)

FUZZ_SECONDS ?= 60
fuzz: deps test-deps $(FUZZ_BINS) $(BPF_OBJ)
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) sh test/fuzz/run.sh $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS) $(BPF_OBJ)
	$(Q)FUZZ_SECONDS=$${FUZZ_SECONDS:-8} sh test/fuzz/run.sh $(FUZZ_BINS)

# The recorded campaign (docs/reliability.md, "Fuzzing"): FUZZ_RUNS executions per target
# (FUZZ_MAX_TIME seconds at most each, when set), FUZZ_JOBS targets at a time at nice 10;
# a Markdown table of what each run did goes to $(BUILD)/fuzz-campaign.md.
FUZZ_RUNS ?= 10000000
fuzz-campaign: $(FUZZ_BINS) $(BPF_OBJ)
	$(Q)BUILD=$(BUILD) FUZZ_RUNS=$(FUZZ_RUNS) sh test/fuzz/campaign.sh $(FUZZ_BINS)

# Everything: unit tests (sanitizers), end-to-end tests (root, real kernel), fuzz smoke.
test: all test-deps san $(FUZZ_BINS) $(TOOL_BINS) $(BUILD)/san/xdp_pcap_cmp
	$(Q)BUILD=$(BUILD) sh test/run.sh

unit: all san
	$(Q)BUILD=$(BUILD) ONLY=unit sh test/run.sh

e2e: all san $(TOOL_BINS) $(BUILD)/san/xdp_pcap_cmp
	$(Q)BUILD=$(BUILD) ONLY=e2e sh test/run.sh

# SOAK_SECONDS of mixed load through the proxy, then RSS and fd counts back where they
# were (test/soak/soak.sh); needs root.  Not part of `make test`.
SOAK_SECONDS ?= 600
soak: all
	$(Q)BUILD=$(BUILD) SOAK_SECONDS=$(SOAK_SECONDS) sh test/soak/soak.sh

demo: all
	$(Q)sh scripts/deps.sh demo
	$(Q)BUILD=$(BUILD) sh scripts/demo.sh

bench: all
	$(Q)sh scripts/deps.sh bench
	$(Q)BUILD=$(BUILD) sh bench/run.sh

# Per-packet cost of the XDP program against an empty one (bench/README.md); needs root.
BENCH_XDP_SRCS := bench/xdp_cost.c sys/bpf.c sys/btf.c sys/elf.c sys/file.c sys/obj.c
$(BUILD)/bench/xdp_cost: $(BENCH_XDP_SRCS) $(HDRS) $(BUILD)/blob.o
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(HOST_CC) -O2 $(WARN) $(DEFS) $(INCS) -o $@ $(BENCH_XDP_SRCS) $(BUILD)/blob.o

bench-xdp: $(BUILD)/bench/xdp_cost
	$(Q)$(BUILD)/bench/xdp_cost

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/huginn
	install -m 0755 $(AGENT) $(PROXY) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(BPF_OBJ) $(DESTDIR)$(PREFIX)/lib/huginn/

fmt:
	$(CLANG_FORMAT) -i $$(git ls-files "*.c" "*.h")

clean:
	rm -rf $(BUILD)
