# Read by run-matrix.sh together with the generated Makefile
#   make -C BUILDDIR -f Makefile -f SRCDIR/tests/vm/print-live.mk vm-print-live
# so the harness rebuilds the live tests (tcptop-vm-exact, and the core-only drain benchmark
# that bench/vm-drain.sh runs) statically from what make knows about
# them, with no list of its own to keep in step.  One line per program:
#   VM-PROGRAM name: sources (its own and its .la libraries') | other link flags
vm_var = $(subst -,_,$(subst /,_,$(subst .,_,$(1))))
vm_srcs = $($(call vm_var,$(1))_SOURCES) $(nodist_$(call vm_var,$(1))_SOURCES)
vm_las = $(filter %.la,$($(call vm_var,$(1))_LDADD) $($(call vm_var,$(1))_LIBADD))
vm_flags = $(filter-out %.la,$($(call vm_var,$(1))_LDADD) $($(call vm_var,$(1))_LIBADD))
vm_all_srcs = $(call vm_srcs,$(1)) $(foreach l,$(call vm_las,$(1)),$(call vm_srcs,$(l)))
vm_all_flags = $(call vm_flags,$(1)) $(foreach l,$(call vm_las,$(1)),$(call vm_flags,$(l)))
vm_live = $(patsubst %$(EXEEXT),%,$(filter tests/live/live_% tests/vm/tcptop-vm-% \
	bench/tcptop-bench-drain-pair,$(check_PROGRAMS)))

vm-print-live:
	@:$(foreach p,$(vm_live),; echo 'VM-PROGRAM $(p): $(call vm_all_srcs,$(p)) | $(call vm_all_flags,$(p))')
.PHONY: vm-print-live
