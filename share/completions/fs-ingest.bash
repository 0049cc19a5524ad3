# bash completion for fs-ingest
# Group names come from the repository (`fs-ingest list`).
_fs_ingest()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="define ingest join get list show range export stats drop help"
	local i sub= groups
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-C|--repo|--format|--map|--rejects|--time-format|--features|--at|--from|--to|--as-of) ((i++)) ;;
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--format) COMPREPLY=($(compgen -W "csv tsv jsonl" -- "$cur")); return ;;
	--on-error) COMPREPLY=($(compgen -W "abort skip" -- "$cur")); return ;;
	--rejects|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-C) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	esac
	groups=$(fs-ingest list 2>/dev/null | cut -f1)
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "--format --map --on-error --rejects --force --time-format --features --at --from --to --as-of --latest -C --repo -q -v --json --header --help --version" -- "$cur"))
		return
	fi
	case $sub in
	""|ingest) COMPREPLY=($(compgen -W "$([ -z "$sub" ] && echo $cmds) $groups" -- "$cur") $(compgen -f -- "$cur")) ;;
	define|list) ;;
	join) COMPREPLY=($(compgen -f -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "$groups" -- "$cur")) ;;
	esac
}
complete -F _fs_ingest fs-ingest
