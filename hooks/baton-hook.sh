#!/bin/sh
# baton-hook-shim v1 -- installed by `baton init`; `baton hooks status` checks it and
# `baton hooks uninstall` puts back what was here before.
#
# Asks baton whether git may go on (`baton hook <name>`: one branch, one worktree, one writer)
# and runs the hook that was here before baton, kept as <name>.baton-chained, with the same
# arguments and input. If baton cannot be found or fails, this warns and lets git go on: the
# hooks are a second line of defence and must never brick a repository.
# Overrides: git's own --no-verify, or BATON_ALLOW=1.
#
# Every process started here is paid for by every commit, so the usual cases are decided in sh
# without starting any: only when baton might refuse is it asked. (Over 300 lines on purpose: one
# template serves every hook and both hooks folders, so a hook costs one sh and nothing more.)
#
# Written by `baton init` from baton's one template, hooks/baton-hook.sh (src/hooks/shim.ts fills
# in the lines below): the hook this file is, the node and the baton that installed it (when
# those are gone, `baton` on PATH is used), and, in the hooks folder baton keeps for task
# worktrees only, the main worktree's hooks folder whose hook this one chains.
hook=''
baton_node=''
baton_entry=''
chain_dir=''
nl='
'

if [ -n "$chain_dir" ]; then
  # A task worktree's hook: the chained hook is the main worktree's, seen under its own name (a
  # manager's hook finds its siblings by $0). When that is baton's shim, run what it chains, so
  # baton's check runs once.
  chained_as=$chain_dir/$hook
  chained=$chained_as
  first='' second=''
  { IFS= read -r first && IFS= read -r second; } <"$chained" 2>/dev/null
  case "$first$nl$second" in *'# baton-hook-shim'*) chained=$chained.baton-chained ;; esac
else
  chained_as=$0
  chained="$0.baton-chained"
  case $chained in */*) ;; *) chained="./$chained" ;; esac
fi
warn() { printf 'baton: %s hook: %s\n' "$hook" "$*" >&2; }

allowed() {
  case ${BATON_ALLOW:-} in 1 | true | TRUE | True | yes | YES | Yes) return 0 ;; esac
  return 1
}

# The shell (and its options) named by the chained hook's "#!" line, if it is a shell.
chained_shell=
shell_of_chained() {
  first=
  IFS= read -r first <"$chained" || [ -n "$first" ] || return 1
  case $first in '#!'*) ;; *) return 1 ;; esac
  set -f
  # shellcheck disable=SC2086 # split the "#!" line into words on purpose
  set -- ${first#??}
  set +f
  [ "${1##*/}" = env ] && shift
  case ${1##*/} in sh | bash | dash | ash | ksh | mksh | zsh) ;; *) return 1 ;; esac
  chained_shell=$*
}

# Runs the hook that was here before baton. A shell script is sourced by its own shell with $0
# set to this hook's path (the main worktree's, for a task worktree's hook), because scripts find their siblings by $0 (husky finds the user's
# hook by its name); any other executable is run as it is.
run_chained() {
  [ -f "$chained" ] && [ -x "$chained" ] || return 0
  if shell_of_chained; then
    # SC2086: $chained_shell is the shell and its options, as the "#!" line gave them. SC2016: the
    # '...' script is for that shell to expand; the paths reach it as $1..., never as code.
    # shellcheck disable=SC2086,SC2016
    $chained_shell -c '__baton_chained=$1; shift; . "$__baton_chained"' "$chained_as" "$chained" "$@"
  else
    "$chained" "$@"
  fi
}

# Where the hook fired: the worktree, its git dir, the common dir, the main worktree. Found
# before git's repository variables are dropped (git sets GIT_DIR in a linked worktree's
# pre-commit, for one), from the files git keeps: git runs hooks at the worktree's top.
where_top='' where_gitdir='' where_common='' where_root=''
locate() {
  if [ -n "${GIT_WORK_TREE:-}${GIT_COMMON_DIR:-}" ] || ! cd -P . 2>/dev/null; then
    locate_by_git || return 1
  else
    where_top=$PWD
    line=
    if [ -n "${GIT_DIR:-}" ]; then
      case $GIT_DIR in /*) where_gitdir=$GIT_DIR ;; *) where_gitdir=$PWD/$GIT_DIR ;; esac
    elif [ -d .git ]; then
      where_gitdir=$PWD/.git
    elif [ -f .git ] && IFS= read -r line <.git && [ "${line#gitdir: }" != "$line" ]; then
      line=${line#gitdir: }
      case $line in /*) where_gitdir=$line ;; *) where_gitdir=$PWD/$line ;; esac
    else
      locate_by_git || return 1
    fi
    if [ -z "$where_common" ]; then
      where_common=$where_gitdir
      if [ -f "$where_gitdir/commondir" ] && IFS= read -r line <"$where_gitdir/commondir"; then
        case $line in
        /*) where_common=$line ;;
        *)
          base=$where_gitdir
          while :; do
            case $line in
            ../*) base=${base%/*} line=${line#../} ;;
            ..) base=${base%/*} line= ;;
            ./*) line=${line#./} ;;
            .) line= ;;
            *) break ;;
            esac
          done
          where_common=$base${line:+/$line}
          ;;
        esac
      fi
    fi
  fi
  where_root=
  if [ "$where_gitdir" = "$where_common" ]; then
    where_root=$where_top
  else
    case $where_common in */.git) where_root=${where_common%/.git} ;; esac
  fi
  # Not managed by baton (no baton.yaml, no tasks/logs/): nothing to check.
  [ -z "$where_root" ] || [ -f "$where_root/baton.yaml" ] || [ -d "$where_root/tasks/logs" ]
}

# The unusual layouts (GIT_WORK_TREE, a bare repository...): ask git.
locate_by_git() {
  where=$(git rev-parse --path-format=absolute --show-toplevel --absolute-git-dir --git-common-dir 2>/dev/null) || return 1
  {
    IFS= read -r where_top
    IFS= read -r where_gitdir
    IFS= read -r where_common
  } <<EOF
$where
EOF
  [ -n "$where_common" ]
}

# True when the lock file $1 is held (not released) by another run than this one (an agent's
# own processes carry its BATON_RUN_ID): only such a lock can make baton refuse. The lock is
# JSON written by baton, one field a line (a unit test holds the two together).
foreign_lock_at() {
  [ -f "$1" ] || return 1
  held='' mine=''
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in *'"released":'*false*) held=1 ;; esac
    case $line in *'"runId":'*"\"${BATON_RUN_ID:-}\""*) [ -n "${BATON_RUN_ID:-}" ] && mine=1 ;; esac
  done <"$1"
  [ -n "$held" ] && [ -z "$mine" ]
}

# Whether the worktree $1 holds another run's lock (true also when sh cannot tell).
foreign_lock_in() {
  line=
  if [ -d "$1/.git" ]; then
    line=$1/.git
  elif [ -f "$1/.git" ] && IFS= read -r line <"$1/.git" && [ "${line#gitdir: }" != "$line" ]; then
    line=${line#gitdir: }
    case $line in /*) ;; *) line=$1/$line ;; esac
  else
    # No worktree there, no lock; something else there, ask baton.
    ! [ -e "$1" ] && return 1
    return 0
  fi
  foreign_lock_at "$line/baton.lock"
}

foreign_lock_anywhere() {
  for lock in "$where_common"/worktrees/*/baton.lock; do
    foreign_lock_at "$lock" && return 0
  done
  return 1
}

# The task layout (branchPrefix, worktreesDir): baton's defaults (config/defaults.ts) when
# baton.yaml does not mention either key, else what baton last cached in the common dir, as long
# as baton.yaml's lines that decide it (each mentioning a key, and the one after it) are unchanged.
prefix='' worktrees=''
layout_known() {
  [ -n "$prefix" ] && return 0
  fp='' take=''
  if [ -f "$where_root/baton.yaml" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in
      *branchPrefix* | *worktreesDir*) fp="$fp$line$nl" take=1 ;;
      *)
        [ -n "$take" ] && fp="$fp$line$nl"
        take=
        ;;
      esac
    done <"$where_root/baton.yaml"
  fi
  if [ -z "$fp" ]; then
    prefix=task/ worktrees=${where_root%/*}/${where_root##*/}.worktrees
    return 0
  fi
  cache=$where_common/baton-hooks.cache
  [ -f "$cache" ] || return 1
  p='' w='' cfp='' body=''
  while IFS= read -r line || [ -n "$line" ]; do
    if [ -n "$body" ]; then
      cfp="$cfp$line$nl"
      continue
    fi
    case $line in
    prefix=*) p=${line#prefix=} ;;
    worktrees=*) w=${line#worktrees=} ;;
    --) body=1 ;;
    esac
  done <"$cache"
  [ -n "$p" ] && [ -n "$w" ] && [ "$cfp" = "$fp" ] || return 1
  prefix=$p worktrees=$w
}

# Whether reference-transaction's input moves a task branch whose worktree holds another run's
# lock (true also when sh cannot tell).
refs_need_baton() {
  layout_known || return 0
  rest=$input
  while [ -n "$rest" ]; do
    line=${rest%%"$nl"*}
    rest=${rest#*"$nl"}
    set -f
    # shellcheck disable=SC2086 # "<old> <new> <ref>" into words on purpose
    set -- $line
    set +f
    [ "${1:-}" != "${2:-}" ] || continue
    case ${3:-} in "refs/heads/$prefix"*) ;; *) continue ;; esac
    foreign_lock_in "$worktrees/${3#"refs/heads/$prefix"}" && return 0
  done
  return 1
}

task_exists() { [ -f "$where_root/tasks/$1.md" ] || [ -f "$where_root/tasks/logs/dispatch-$1.status.json" ]; }

# Whether this worktree may break "one branch, one worktree" (true also when sh cannot tell): on
# a task's branch but not that task's worktree, or (with $1 = paths) at a task's worktree path
# on another branch. Detached HEADs pass: rebase and bisect detach for a while.
misplaced_here() {
  [ -n "$where_root" ] || return 0
  line=
  IFS= read -r line <"$where_gitdir/HEAD" || [ -n "$line" ] || return 0
  case $line in 'ref: refs/heads/'*) branch=${line#ref: refs/heads/} ;; *) return 1 ;; esac
  layout_known || return 0
  case $branch in
  "$prefix"*)
    slug=${branch#"$prefix"}
    task_exists "$slug" && [ "$where_top" != "$worktrees/$slug" ] && return 0
    ;;
  esac
  [ "${1:-}" = paths ] || return 1
  case $where_top in
  "$worktrees"/*)
    slug=${where_top#"$worktrees"/}
    task_exists "$slug" && [ "$branch" != "$prefix$slug" ] && return 0
    ;;
  esac
  return 1
}

# Whether baton might refuse a commit here: this worktree's lock is another run's, or the
# worktree is on a task's branch that does not belong here.
commit_needs_baton() {
  [ -n "$where_root" ] || return 0
  foreign_lock_at "$where_gitdir/baton.lock" && return 0
  misplaced_here
}

# Whether baton refused a commit in this (task) worktree while changes were staged there: then it
# compares this commit with what was staged (src/hooks/hand-staged.ts). One test, no read.
refusal_recorded() {
  [ "$hook" = pre-commit ] && [ -n "$where_root" ] &&
    [ -f "$where_root/tasks/logs/dispatch-${where_top##*/}.refused-index.json" ]
}

# Asks baton. Returns 1 only when baton refused (it said why); 0 otherwise.
ask_baton() {
  index_file=${GIT_INDEX_FILE:-}
  (
    unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_COMMON_DIR GIT_OBJECT_DIRECTORY \
      GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_PREFIX GIT_NAMESPACE GIT_CONFIG GIT_CONFIG_PARAMETERS \
      GIT_CONFIG_COUNT GIT_IMPLICIT_WORK_TREE GIT_GRAFT_FILE GIT_NO_REPLACE_OBJECTS \
      GIT_REPLACE_REF_BASE GIT_SHALLOW_FILE GIT_INTERNAL_SUPER_PREFIX
    # The index the commit is made from (`commit -a` and `commit <paths>` make their own).
    BATON_HOOK_TOPLEVEL=$where_top BATON_HOOK_GIT_DIR=$where_gitdir \
      BATON_HOOK_COMMON_DIR=$where_common BATON_HOOK_GIT_PID=$PPID BATON_HOOK_INDEX_FILE=$index_file
    export BATON_HOOK_TOPLEVEL BATON_HOOK_GIT_DIR BATON_HOOK_COMMON_DIR BATON_HOOK_GIT_PID \
      BATON_HOOK_INDEX_FILE
    if [ -n "$baton_node" ] && [ -x "$baton_node" ] && [ -f "$baton_entry" ]; then
      exec "$baton_node" "$baton_entry" "$hook" "$@"
    elif command -v baton >/dev/null 2>&1; then
      exec baton hook "$hook" "$@"
    fi
    exit 127
  )
  rc=$?
  case $rc in
  0) return 0 ;;
  10) return 1 ;;
  127) warn "cannot find baton (not at ${baton_entry:-?} and not on PATH), so nothing was checked; run \`baton init\` again." ;;
  *) warn "baton failed (exit $rc), so nothing was checked; \`baton hooks status\` may say why." ;;
  esac
  return 0
}

case $hook in
reference-transaction)
  # Only "prepared" can be refused; git does not mind a hook that leaves its input unread.
  [ "$1" = prepared ] || [ -x "$chained" ] || exit 0
  input=
  while IFS= read -r line || [ -n "$line" ]; do
    input="$input$line
"
  done
  feed() { printf '%s' "$input"; }
  if [ -x "$chained" ]; then feed | run_chained "$@" || exit $?; fi
  # Only a live lock of another run makes baton refuse a ref update, and only when prepared.
  [ "$1" = prepared ] && ! allowed || exit 0
  locate || exit 0
  foreign_lock_anywhere && refs_need_baton || exit 0
  feed | ask_baton "$@" || exit 1
  exit 0
  ;;
post-checkout)
  run_chained "$@"
  # Not rc: ask_baton sets that one, and a baton that failed must not become git's exit status.
  chained_rc=$?
  # $3 = 1: a branch checkout (also `git worktree add`); 0: files only.
  if [ "$3" = 1 ] && ! allowed && locate && misplaced_here paths; then ask_baton "$@" </dev/null || exit 1; fi
  exit "$chained_rc"
  ;;
pre-commit | pre-merge-commit)
  if ! allowed && locate && { commit_needs_baton || refusal_recorded; }; then ask_baton "$@" </dev/null || exit 1; fi
  run_chained "$@"
  ;;
*)
  if ! allowed && locate; then ask_baton "$@" </dev/null || exit 1; fi
  run_chained "$@"
  ;;
esac
