def lines = new File(basedir, 'build.log').readLines()
// Not the build directory: nsbox:run creates a missing one (mvn clean nsbox:run), nothing else.
def target = new File(basedir, 'no-such-folder').canonicalPath
assert !new File(target).exists()
// The bind's source, where the plan found nothing to bind.
assert lines.contains('[ERROR] nsbox.yaml:6:26: error: mounts[0]: cannot bind ' + target + ' on ' + target
        + ': open_tree(AT_FDCWD, "' + target + '", ...): ENOENT (No such file or directory)')
assert lines.any { it.endsWith('(the sandbox cannot be set up on this host: exit code 125) -> [Help 1]') }
assert lines.contains('[ERROR] [Help 1] http://cwiki.apache.org/confluence/display/MAVEN/MojoExecutionException')
assert !lines.any { it.startsWith('[INFO] [never]') }
