# bash completion for exp-log
_exp_log()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="start param tag metric log artifact input get-artifact end run ls show diff history experiments best rm restore mv gc export report help"
	local i sub=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-C|--repo) ((i++)) ;;
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-e|--experiment)
		COMPREPLY=($(compgen -W "$(exp-log experiments 2>/dev/null | cut -f1)" -- "$cur"))
		return ;;
	-r|--run|--parent)
		COMPREPLY=($(compgen -W "$(exp-log ls --ids --limit 50 2>/dev/null)" -- "$cur"))
		return ;;
	--status) COMPREPLY=($(compgen -W "finished failed killed" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "csv tsv jsonl" -- "$cur")); return ;;
	esac
	if [ -z "$sub" ]; then
		COMPREPLY=($(compgen -W "$cmds -C --repo -q -v --json --help --version" -- "$cur"))
		return
	fi
	case $sub in
	ls) COMPREPLY=($(compgen -W "-e --filter --order-by --limit --all --columns --json --ids --header" -- "$cur")) ;;
	report)
		case $prev in
		-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-e --experiment -f --filter -o --output" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(exp-log ls --ids --limit 50 2>/dev/null)" -- "$cur"))
		fi ;;
	best) COMPREPLY=($(compgen -W "-e --metric --max --min --filter" -- "$cur")) ;;
	start|run) COMPREPLY=($(compgen -W "-e -n -p -t --parent" -- "$cur")) ;;
	log) COMPREPLY=($(compgen -W "-r --protocol" -- "$cur") $(compgen -f -- "$cur")) ;;
	show|diff|rm|restore|mv|get-artifact)
		COMPREPLY=($(compgen -W "$(exp-log ls --ids --limit 50 2>/dev/null)" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _exp_log exp-log
