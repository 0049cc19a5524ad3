# bash completion for drift-check
_drift_check()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="profile merge history help"
	local methods="auto ks chisquare z wasserstein jensenshannon psi kl_div hellinger anderson cramer_von_mises energy t_test mannw welch mannwhitney"
	local opts="--method --column-method --threshold --column-threshold --columns --exclude --categorical --numeric --correction --drift-share --format --html --record --model --escalate-after --on-drift --input-format --delimiter -C --repo -q -v --json --header --help --version"
	local i sub=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-C|--repo|-m|--method|-t|--threshold|--format|--html|--record|--model|--escalate-after|--on-drift|--correction|--drift-share|-o|--output) ((i++)) ;;
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	-m|--method) COMPREPLY=($(compgen -W "$methods" -- "$cur")); return ;;
	--correction) COMPREPLY=($(compgen -W "none bonferroni fdr" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "text json markdown" -- "$cur")); return ;;
	--input-format) COMPREPLY=($(compgen -W "csv tsv jsonl" -- "$cur")); return ;;
	--model) COMPREPLY=($(compgen -W "$(model-promote ls 2>/dev/null | cut -f1)" -- "$cur")); return ;;
	--html|-o|--output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	case $sub in
	history) return ;;
	profile|merge) COMPREPLY=($(compgen -W "-o --columns --exclude" -- "$cur") $(compgen -f -- "$cur")) ;;
	*)
		if [[ $cur == fs:* ]]; then
			COMPREPLY=($(compgen -W "$(fs-ingest list 2>/dev/null | cut -f1 | sed 's/^/fs:/')" -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$([ -z "$sub" ] && echo $cmds)" -- "$cur") $(compgen -f -- "$cur"))
		fi ;;
	esac
}
complete -F _drift_check drift-check
