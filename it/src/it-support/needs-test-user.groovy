// Selector of the builds that run Maven as an ordinary user (invoker.properties sets
// NSBOX_IT_AS_TEST_USER=true, and bin/mvn-in-scratch-namespace runs Maven through runuser as
// NSBOX_TEST_USER, default nsboxci, the user .ci/run creates). They run only where that user can
// run nsbox rootless: everything needs-scratch-namespace.groovy needs, plus the user, runuser(1),
// a user namespace that user may create, and read access to the plugin the invoker installed.
// Elsewhere they are skipped, saying what is missing and how to provide it; where they must run
// (.ci/run sets NSBOX_REQUIRE_TEST_USER=true), they fail instead, with the same words.
if (!evaluate(new File(itSupport, 'needs-scratch-namespace.groovy'))) {
    return false
}
def user = System.getenv('NSBOX_TEST_USER') ?: 'nsboxci'

// Runs a command, returning null when it succeeds and what it said otherwise.
def fails = { List<String> cmd ->
    try {
        def p = cmd.execute()
        def out = new StringBuilder()
        p.waitForProcessOutput(out, out)
        return p.exitValue() == 0 ? null : (out.toString().trim() ?: "exit ${p.exitValue()}")
    } catch (IOException e) {
        return e.message
    }
}

def why = null
def runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find { new File(it).canExecute() }
if (runuser == null) {
    why = "it runs Maven as an ordinary user through runuser(1), which is missing (install util-linux)"
} else if (fails(['id', '-u', user]) != null) {
    why = "it runs Maven as the ordinary user '${user}', who does not exist here " +
            "(useradd --create-home ${user}, as .ci/run does, or name another in NSBOX_TEST_USER)"
} else {
    def said = fails([runuser, '-u', user, '--', 'unshare', '--user', '--map-root-user', 'true'])
    if (said != null) {
        why = "user namespaces are refused to ${user} here (unshare --user --map-root-user true: ${said}); " +
                "mvn nsbox:doctor says how to enable them"
    } else {
        said = fails([runuser, '-u', user, '--', 'sh', '-c', 'test -x "$1" && test -r "$2"', 'sh',
                      basedir.parentFile.path, localRepositoryPath.path])
        if (said != null) {
            why = "${user} cannot reach ${basedir.parentFile} or read ${localRepositoryPath} " +
                    "(chmod -R a+rX the repository and a+x its parents, as .ci/run does)"
        }
    }
}
if (why != null && System.getenv('NSBOX_REQUIRE_TEST_USER') == 'true') {
    throw new IllegalStateException("${basedir.name} must run here (NSBOX_REQUIRE_TEST_USER=true), but ${why}")
}
if (why != null) {
    println "[nsbox-it] SKIPPED ${basedir.name}: ${why}"
    return false
}
return true
