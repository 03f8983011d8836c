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
            # fish's own path completion, on the word as typed: it expands
            # ~ and reads quotes and backslashes (a command with no
            # completions of its own gets just that)
            set -l rest (string sub -s (math (string length -- "$arg") + 1) -- $cur)
            for f in (complete --do-complete="__ezpz_no_such_command $rest")
                set f (string split -m 1 \t -- $f)[1]
                if test $kind = file; or string match -q -- '*/' $f
                    printf '%s%s\n' $arg $f
                end
            end
        case command
            # the words from the user's command on, as if typed alone (the
            # attached form: a line that starts with '-' is not an option)
            set -l words $tokens[(math $arg + 2)..-1]
            complete --do-complete=(string join ' ' -- (string escape -- $words) $cur)
    end
end

complete -c ezpz -f -a '(__ezpz_complete)'
