# images/cmdline-check.sh - sourced by mkiso.sh and mkpxe.sh.
# check_grub_cmdline CMDLINE: the command line lands inside double quotes
# in a grub.cfg (after a sed substitution with '|' as its separator) and
# GRUB expands it unquoted: split into words, and globbed once the regexp
# module is loaded. Refuse everything GRUB or sed would interpret.
check_grub_cmdline() {
	case "$1" in *[\;\`\$\\\"\'{}\|\&\<\>\#*?[]*|*$'\n'*|*$'\t'*)
		echo "${0##*/}: command line '$1' has characters GRUB would interpret" >&2
		exit 1 ;;
	esac
}
