def lines = new File(basedir, 'build.log').readLines()
assert lines.count('[INFO] Tests run: 1, Failures: 0, Errors: 0, Skipped: 0') == 2
['alpha', 'beta'].each { m ->
    assert lines.contains("[INFO] nsbox: test JVMs of this module run in ${m}/target/nsbox-jvm/hermetic-tests.yaml through ${new File(basedir, m).canonicalPath}/target/nsbox-jvm/bin/java (jvm property set; run ".toString()) || lines.any { it.startsWith("[INFO] nsbox: test JVMs of this module run in ${m}/target/nsbox-jvm/hermetic-tests.yaml".toString()) }
    assert new File(basedir, "${m}/target/written-by-${m}.txt").exists()
}
assert !new File(basedir, 'alpha/written-by-beta.txt').exists()
assert !new File(basedir, 'beta/written-by-alpha.txt').exists()
assert lines.findAll { it ==~ /\[INFO\] nsbox: all 1 test reports of this build come from test JVMs that ran in nsbox's sandbox \(nsbox.sandboxed=[-0-9a-f]+\)/ }.size() == 2
assert lines.contains('[INFO] BUILD SUCCESS')
