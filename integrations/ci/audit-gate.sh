#!/bin/sh
# Gate a CI job on an Assay audit: run it, keep the reports, and fail the job when a finding fails (exit 1) or the
# audit could not run (exit 2: bad input, named on stderr). Warnings pass the gate.
#   integrations/ci/audit-gate.sh AUDIT.toml [OUT_DIR]
# ASSAY (default: assay) is the command, e.g. ASSAY="podman run --rm -v $PWD:/audit assay" for the container.
set -u
audit_file=${1:?usage: audit-gate.sh AUDIT.toml [OUT_DIR]}
out=${2:-assay-reports}
mkdir -p "$out"
${ASSAY:-assay} audit "$audit_file" --json "$out/report.json" --pdf "$out/audit-report.pdf" \
    --prometheus "$out/assay.prom"
code=$?
case $code in
  0) echo "assay: the audit passed (reports in $out)" ;;
  1) echo "assay: a finding failed; the model does not pass its audit (see $out/audit-report.pdf)" >&2 ;;
  2) echo "assay: the audit could not run: bad input or configuration (the line above names it)" >&2 ;;
  *) echo "assay: the audit stopped (exit $code)" >&2 ;;
esac
exit $code
