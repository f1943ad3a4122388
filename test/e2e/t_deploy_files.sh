#!/bin/sh
# t_deploy_files.sh - the shipped deployment files hold together: Compose and Kubernetes
# manifests parse and pass structural checks (test/tools/check_deploy.py), every proxy
# config we ship passes `huginn-proxy -t`, the setup guide names every agent variable,
# and the demo script parses.  Needs no root and no network.
. "$(dirname "$0")/lib.sh"
t_need_tool "$PYTHON"
if ! "$PYTHON" -c 'import yaml' >/dev/null 2>&1; then
	t_skip "SKIPPED, python3-yaml is not installed (make test-deps)"
	exit 0
fi
top=$(cd "$(dirname "$0")/../.." && pwd)

# Structural checks print their own ok/not ok lines.
"$PYTHON" "$top/test/tools/check_deploy.py" --extract-configs "$T_DIR" || T_FAILS=$((T_FAILS + 1))

# The configs must be valid for the proxy that reads them, not only well-formed YAML.
set -- "$top/deploy/config.container.toml" "$T_DIR"/configmap-*.toml
while IFS= read -r f; do
	[ -n "$f" ] && set -- "$@" "$f"
done <"$T_DIR/compose-configs"
if [ -x "$PROXY" ]; then
	for f in "$@"; do
		name=${f#"$top"/}
		name=${name#"$T_DIR"/}
		if "$PROXY" -t "$f" >"$T_DIR/t.log" 2>&1; then
			t_ok "huginn-proxy -t accepts $name"
		else
			t_fail "huginn-proxy -t rejects $name"
			sed 's/^/#   /' "$T_DIR/t.log" | head -n 5
		fi
	done
else
	t_fail "$PROXY is not built (make): the shipped configs were not checked"
fi

# The guide documents every variable the agent reads.
vars=$(sed -n 's/^#define AGENT_CFG_ENV_[A-Z0-9_]* "\(HUGINN_EBPF_[A-Z0-9_]*\)".*/\1/p' \
	"$top/agent/cfg.h" 2>/dev/null)
missing=""
for v in $vars; do
	grep -q "$v" "$top/docs/deploy.md" 2>/dev/null || missing="$missing $v"
done
if [ -n "$vars" ] && [ -z "$missing" ]; then
	t_ok "docs/deploy.md documents every HUGINN_EBPF_* variable"
else
	t_fail "docs/deploy.md lacks:${missing:- (no variables found in agent/cfg.h)}"
fi
for f in LICENSE CHANGELOG.md docs/deploy.md; do
	t_check "$f exists and is not empty" test -s "$top/$f"
done
t_check "scripts/demo.sh parses (sh -n)" sh -n "$top/scripts/demo.sh"

[ "$T_FAILS" -eq 0 ]
