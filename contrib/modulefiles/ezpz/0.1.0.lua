-- -*- lua -*-
-- contrib/modulefiles/ezpz/0.1.0.lua: Lmod modulefile for an installed ezpz.
--
-- Installed next to ezpz as PREFIX/share/modulefiles/ezpz/0.1.0.lua, it
-- finds PREFIX itself ('module use PREFIX/share/modulefiles').  Anywhere
-- else, set 'prefix' below to the PREFIX given to 'make install'.
local version = myModuleVersion()
local prefix = "/opt/ezpz/" .. version
local here = myFileName():match("^(.*)/share/modulefiles/ezpz/[^/]+%.lua$")
if here then
    prefix = here
end

whatis("Name: ezpz")
whatis("Version: " .. version)
whatis("Description: launcher and job-environment tool for PBS, Slurm and laptops")
help([[
ezpz launches distributed jobs the same way on a laptop, in a PBS job and in
a Slurm job: 'ezpz launch', 'ezpz setup-env', 'ezpz test', 'ezpz doctor',
'ezpz submit', 'ezpz kill'.  See 'man ezpz'.
]])

prepend_path("PATH", pathJoin(prefix, "bin"))
prepend_path("MANPATH", pathJoin(prefix, "share/man"))
setenv("EZPZ_ROOT", prefix)

-- Shell completions.  bash-completion and fish look in $XDG_DATA_DIRS
-- (bash-completion/completions, fish/vendor_completions.d); unset, it means
-- /usr/local/share:/usr/share, which must stay.
-- (__EZPZ_XDG_DEFAULTS remembers that, so unloading takes them away again.)
local defaults = os.getenv("__EZPZ_XDG_DEFAULTS") == "1"
if mode() ~= "unload" then
    defaults = (os.getenv("XDG_DATA_DIRS") or "") == ""
end
if defaults then
    append_path("XDG_DATA_DIRS", "/usr/local/share")
    append_path("XDG_DATA_DIRS", "/usr/share")
    setenv("__EZPZ_XDG_DEFAULTS", "1")
end
prepend_path("XDG_DATA_DIRS", pathJoin(prefix, "share"))
-- zsh: fpath itself (its FPATH is not exported, so prepend_path("FPATH")
-- would replace the whole search path); run compinit again to use it.
if myShellName() == "zsh" then
    local d = pathJoin(prefix, "share/zsh/site-functions")
    execute{cmd = "fpath=(" .. d .. " ${fpath:#" .. d .. "})", modeA = {"load"}}
    execute{cmd = "fpath=(${fpath:#" .. d .. "})", modeA = {"unload"}}
end
