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
		local o="-C --repo -q -v --json --header --help"
		case $sub in
		""|ingest) o="$o --format --map --on-error --rejects --ignore-extra --force --time-format --version" ;;
		define) o="$o --entity --timestamp --created --feature --ttl --check --description --from" ;;
		join) o="$o --features --timestamp --full-names --as-of --format --entities-format --time-format --log-input -r --run --context" ;;
		get) o="$o --at" ;;
		range) o="$o --from --to --features --latest --format" ;;
		export) o="$o --as-of --format" ;;
		stats) o="$o --features --from --to" ;;
		drop) o="$o --yes" ;;
		esac
		COMPREPLY=($(compgen -W "$o" -- "$cur"))
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
