// Selector of the builds that run sandboxes (nsbox:run mounts and creates namespaces).
// They run only where bin/mvn-in-scratch-namespace can start Maven in a scratch mount
// namespace: as root, with unshare(1) allowed. Elsewhere they are skipped, saying why.
def why = null
def uid = ['id', '-u'].execute().text.trim()
if (uid != '0') {
    why = "it runs sandboxes, which needs root (uid 0) here; this build runs as uid ${uid}"
} else {
    def p = ['unshare', '--mount', '--propagation', 'private', 'true'].execute()
    def err = p.err.text.trim()
    if (p.waitFor() != 0) {
        why = "it runs sandboxes, and 'unshare --mount --propagation private' fails here: ${err}"
    }
}
if (why != null) {
    println "[nsbox-it] SKIPPED ${basedir.name}: ${why}"
    return false
}
return true
