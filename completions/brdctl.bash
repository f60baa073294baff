# bash completion for brdctl(8) and bitmapctl(8)            -*- shell-script -*-
# The option lists below are checked against `brdctl CMD --help` by
# tests/host/completion.bats, so they cannot drift from the program.

_brdctl_commands="create list stat flush resize remove save restore apply unapply bitmap"
_brdctl_bitmap_commands="examine create map set clear update write"
# before a command every global option is accepted; after it, the base ones
# plus --json / --dry-run where the command has them (listed per command)
_brdctl_global="--help --version --json --verbose --dry-run"
_brdctl_base="--help --version --verbose"
_brdctl_table="--output --output-all --list-columns --raw --pairs --shell --noheadings --bytes"
_brdctl_opts_create="--size --count --partitions --find --force --pool-size --timeout --dry-run"
_brdctl_opts_resize="--size --grow-fs --force --backup-dir --dry-run"
_brdctl_opts_list="$_brdctl_table --json"
_brdctl_opts_stat="--json"
_brdctl_opts_flush="--all --force --cache-only --dry-run"
_brdctl_opts_remove="--all --dry-run"
_brdctl_opts_save="--force --dry-run"
_brdctl_opts_restore="--dry-run --force"
_brdctl_opts_apply="--check --force --only --dry-run"
_brdctl_opts_unapply="--only --dry-run"
_brdctl_opts_bitmap_examine="--brief --dirty --json"
_brdctl_opts_bitmap_create="--sync-size --chunk --uuid --write-behind --delay --version --force"
_brdctl_opts_bitmap_map="--no-sync --check --json"
_brdctl_opts_bitmap_set="--chunk --sector --all --force --dry-run"
_brdctl_opts_bitmap_clear="$_brdctl_opts_bitmap_set"
_brdctl_opts_bitmap_update="--events --events-cleared --state --force --dry-run"
_brdctl_opts_bitmap_write="--from --force --dry-run"

# the brdctl being completed (build/brdctl, ~/bin/brdctl...), not the one on
# PATH; bitmapctl's brdctl is beside it
_brdctl_prog()
{
	local p=${words[0]}
	[[ $p == "~"* ]] && p=$HOME${p#"~"}
	[[ ${p##*/} == bitmapctl ]] && { [[ $p == */* ]] && p=${p%/*}/brdctl || p=brdctl; }
	printf '%s\n' "$p"
}

_brdctl_ramdisks()
{
	local d
	for d in /sys/block/ram*; do
		[ -e "$d" ] && printf '%s\n' "${d##*/}"
	done
	# pooled ramdisks by name (from the GPT, as brdctl lists them)
	"$(_brdctl_prog)" list --noheadings --raw -o NAME,TYPE 2>/dev/null | awk '$2 == "pooled" {print $1}'
}

# compgen -W, each word once (bitmap create's own --version is also a base option)
_brdctl_compgen()
{
	COMPREPLY=($(compgen -W "$(printf '%s\n' $1 | sort -u)" -- "$2"))
}

_brdctl()
{
	local cur prev words cword
	_init_completion || return

	local i cmd="" sub="" group="" nargs=0
	if [[ ${words[0]##*/} == bitmapctl ]]; then
		group=bitmap
	fi
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-*) ;;
		*)
			if [[ -n $cmd ]]; then
				nargs=$((nargs + 1))
			fi
			if [[ -z $group && -z $cmd ]]; then
				cmd=${words[i]}
				[[ $cmd == bitmap ]] && group=bitmap && cmd=""
			elif [[ -n $group && -z $sub ]]; then
				sub=${words[i]}
			fi
			;;
		esac
	done

	case $prev in
	--only)
		# the names of the applied lines (their records in /run/brdctl/applied)
		COMPREPLY=($(compgen -W "$(ls /run/brdctl/applied 2>/dev/null | grep -v '~')" -- "$cur"))
		return
		;;
	--backup-dir)
		_filedir -d
		return
		;;
	--output | -o)
		# the columns not yet in the list, after what was typed (+ included)
		local cols typed="" c
		[[ $cur == *,* ]] && typed=${cur%,*},
		cols=$("$(_brdctl_prog)" list --list-columns 2>/dev/null | awk '{print $1}')
		for c in ${typed//,/ }; do
			cols=$(grep -vixF -- "${c#+}" <<<"$cols")
		done
		local IFS=$'\n'
		COMPREPLY=($(compgen -W "$cols" -- "${cur##*,}"))
		COMPREPLY=("${COMPREPLY[@]/#/$typed}")
		return
		;;
	--size | -s | --count | -c | --partitions | -p | --timeout | --pool-size | --sync-size | \
		--chunk | --uuid | --write-behind | --delay)
		return
		;;
	--version)
		[[ $group == bitmap && $sub == create ]] && COMPREPLY=($(compgen -W "3 4" -- "$cur"))
		return
		;;
	--state)
		COMPREPLY=($(compgen -W "ok stale" -- "$cur"))
		return
		;;
	--from | -i)
		_filedir
		return
		;;
	--sector | --events | --events-cleared)
		return
		;;
	esac

	local opts
	if [[ -n $group ]]; then
		if [[ -z $sub ]]; then
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "$_brdctl_global" -- "$cur"))
			else
				COMPREPLY=($(compgen -W "$_brdctl_bitmap_commands help" -- "$cur"))
			fi
			return
		fi
		if [[ $sub == help ]]; then
			[[ ${words[cword - 1]} == help ]] &&
				COMPREPLY=($(compgen -W "$_brdctl_bitmap_commands" -- "$cur"))
			return
		fi
		local var=_brdctl_opts_bitmap_${sub//-/_}
		opts="${!var} $_brdctl_base"
		if [[ $cur == -* ]]; then
			_brdctl_compgen "$opts" "$cur"
		else
			_filedir
		fi
		return
	fi
	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_brdctl_global" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_brdctl_commands help" -- "$cur"))
		fi
		return
	fi
	if [[ $cmd == help ]]; then	# help [COMMAND [BITMAP-COMMAND]]
		case $nargs in
		0) COMPREPLY=($(compgen -W "$_brdctl_commands" -- "$cur")) ;;
		1) [[ ${words[cword - 1]} == bitmap ]] &&
			COMPREPLY=($(compgen -W "$_brdctl_bitmap_commands" -- "$cur")) ;;
		esac
		return
	fi
	local var=_brdctl_opts_$cmd
	opts="${!var} $_brdctl_base"
	if [[ $cur == -* ]]; then
		_brdctl_compgen "$opts" "$cur"
		return
	fi
	case $cmd in
	list | stat | flush | resize | remove | create)
		COMPREPLY=($(compgen -W "$(_brdctl_ramdisks)" -- "$cur"))
		;;
	apply | unapply)
		_filedir
		;;
	save)	# RAMDISK [IMAGE]
		if ((nargs == 0)); then
			COMPREPLY=($(compgen -W "$(_brdctl_ramdisks)" -- "$cur"))
		else
			_filedir
		fi
		;;
	restore)	# IMAGE RAMDISK
		if ((nargs == 0)); then
			_filedir
		else
			COMPREPLY=($(compgen -W "$(_brdctl_ramdisks)" -- "$cur"))
		fi
		;;
	esac
}
complete -F _brdctl brdctl bitmapctl
