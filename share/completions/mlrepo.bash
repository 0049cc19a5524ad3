# bash completion for mlrepo
_mlrepo()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
	}
	local cmds="init config hash-object cat-object fsck gc log status bundle help"
	local globals="-C --repo -q --quiet -v --verbose --json --header --color --help --version"
	case $prev in
	-C|--repo) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	bundle) COMPREPLY=($(compgen -W "create unbundle" -- "$cur")); return ;;
	create|unbundle|hash-object) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	local i sub=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-C|--repo) ((i++)) ;;
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	if [ -z "$sub" ]; then
		COMPREPLY=($(compgen -W "$cmds $globals" -- "$cur"))
		return
	fi
	case $sub in
	config) COMPREPLY=($(compgen -W "--list --unset --get-all" -- "$cur")) ;;
	gc) COMPREPLY=($(compgen -W "--prune= --dry-run" -- "$cur")) ;;
	log) COMPREPLY=($(compgen -W "--since --until --action --limit --reverse --json --header" -- "$cur")) ;;
	init) COMPREPLY=($(compgen -d -W "--bare" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _mlrepo mlrepo
