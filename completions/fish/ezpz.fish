# fish completion for ezpz.
#
# What may go at the cursor is decided by the binary itself
# (`ezpz __complete line WORD...`), from the option tables its parser uses,
# so this file cannot drift from the program: it only renders the answer.
# The answer's first line is KIND<TAB>ARG:
#   words PREFIX LABEL   candidates follow, one CANDIDATE<TAB>DESCRIPTION
#                        a line, each to go after PREFIX ("--log=" or "")
#   file PREFIX, dir PREFIX
#   command INDEX        the user's command starts at word INDEX (after
#                        "ezpz"): complete it as a command line of its own
#   none MESSAGE

function __ezpz_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l answer (command $tokens[1] __complete line -- $tokens[2..-1] $cur 2>/dev/null)
    or return
    set -q answer[1]
    or return
    set -l head (string split \t -- $answer[1])
    set -l kind $head[1]
    set -l arg $head[2]
    switch $kind
        case words
            for line in $answer[2..-1]
                printf '%s%s\n' $arg $line
            end
        case file dir
            set -l rest (string sub -s (math (string length -- "$arg") + 1) -- $cur)
            set -l found
            if test $kind = dir
                set found (__fish_complete_directories $rest)
            else
                set found (__fish_complete_path $rest)
            end
            for f in $found
                printf '%s%s\n' $arg $f
            end
        case command
            # the words from the user's command on, as if typed alone
            set -l words $tokens[(math $arg + 2)..-1]
            complete -C (string join ' ' -- (string escape -- $words) $cur)
    end
end

complete -c ezpz -f -a '(__ezpz_complete)'
