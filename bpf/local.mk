# Kernel side: compile once with clang, embed in a skeleton header.  CO-RE
# relocations make the object independent of the build host's kernel.
BPF_CPPFLAGS = -D__TARGET_ARCH_$(BPF_TARGET_ARCH) $(BPF_MULTIARCH_CPPFLAGS) -I$(top_srcdir)/bpf
# Every BPF object (ours and the benchmarks' references) compiles with these.
BPF_COMPILE = $(BPF_CLANG) -g -O2 -Wall -Werror -target bpf -mcpu=v3 $(BPF_CPPFLAGS)

bpf/tcptop.bpf.o: $(top_srcdir)/bpf/tcptop.bpf.c $(top_srcdir)/bpf/tcptop.h $(top_srcdir)/bpf/tcptop_kernel.h
	$(AM_V_GEN)$(MKDIR_P) bpf && \
	$(BPF_COMPILE) -c $(top_srcdir)/bpf/tcptop.bpf.c -o $@.new && mv $@.new $@

bpf/tcptop.skel.h: bpf/tcptop.bpf.o
	$(AM_V_GEN)$(BPFTOOL) gen skeleton $< name tcptop_bpf > $@.new && mv $@.new $@

BUILT_SOURCES += bpf/tcptop.skel.h
CLEANFILES += bpf/tcptop.bpf.o bpf/tcptop.skel.h bpf/tcptop.bpf.o.new bpf/tcptop.skel.h.new
EXTRA_DIST += bpf/tcptop.bpf.c bpf/tcptop_kernel.h
noinst_HEADERS += bpf/tcptop.h
