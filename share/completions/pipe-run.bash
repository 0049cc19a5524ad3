# bash completion for pipe-run
# Stage names come from the pipeline file (-f FILE, else pipeline.ini).
_pipe_run_stages()
{
	local f=pipeline.ini i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-f|--file) f=${COMP_WORDS[i+1]} ;;
		esac
	done
	[ -r "$f" ] && sed -n 's/^[[:space:]]*\[[Ss][Tt][Aa][Gg][Ee][[:space:]]*"\([^"]*\)"\].*/\1/p' "$f"
}
_pipe_run()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="status dag log show checkout help"
	local i sub=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-C|--repo|-f|--file|-j|--jobs|-S|--set|--executor|--experiment) ((i++)) ;;
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-f|--file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--executor) COMPREPLY=($(compgen -W "local slurm" -- "$cur")); return ;;
	-C) COMPREPLY=($(compgen -d -- "$cur")); return ;;
	-j|--jobs|-S|--set|--experiment|--repo) return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-f --file -j --jobs --force --dry-run --keep-going -S --set --no-cache --executor --experiment -C --repo -q -v --json --header --help --version" -- "$cur"))
		return
	fi
	case $sub in
	status|dag) COMPREPLY=($(compgen -W "$(_pipe_run_stages) --dot --mermaid --exit-code" -- "$cur")) ;;
	log) COMPREPLY=($(compgen -W "-f --file -a --all --stage -n --limit --json" -- "$cur")) ;;
	show) COMPREPLY=($(compgen -W "--stage --log --json $(pipe-run log --all 2>/dev/null | cut -f1)" -- "$cur")) ;;
	checkout) COMPREPLY=($(compgen -W "-f --file --run $(_pipe_run_stages)" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -W "$([ -z "$sub" ] && echo $cmds) $(_pipe_run_stages)" -- "$cur")) ;;
	esac
}
complete -F _pipe_run pipe-run
