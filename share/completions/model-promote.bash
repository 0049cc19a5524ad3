# bash completion for model-promote
_model_promote()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="register ls show history tag check rollback rm alias export import path help"
	local i sub= models
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-C|--repo) ((i++)) ;;
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--to|--alias)
		COMPREPLY=($(compgen -W "production staging champion challenger" -- "$cur"))
		return ;;
	--format) COMPREPLY=($(compgen -W "text json markdown" -- "$cur")); return ;;
	--policy|-o|--output|-d|--directory)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	models=$(model-promote ls 2>/dev/null | cut -f1)
	if [ -z "$sub" ] || ! [[ " $cmds " == *" $sub "* ]]; then
		if [ -z "$sub" ]; then
			COMPREPLY=($(compgen -W "$cmds $models -C --repo -q -v --json --help --version" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "--to --require --policy --strict --dry-run --reason --force --format" -- "$cur"))
		fi
		return
	fi
	case $sub in
	register) COMPREPLY=($(compgen -W "-r -m -t --description --from-run $models" -- "$cur") $(compgen -f -- "$cur")) ;;
	check) COMPREPLY=($(compgen -W "--to --require --policy --strict --format $models" -- "$cur")) ;;
	rollback) COMPREPLY=($(compgen -W "--alias --reason $models" -- "$cur")) ;;
	import) COMPREPLY=($(compgen -W "--name" -- "$cur") $(compgen -f -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "$models" -- "$cur")) ;;
	esac
}
complete -F _model_promote model-promote
