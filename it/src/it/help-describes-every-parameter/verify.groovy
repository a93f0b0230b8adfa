def log = new File(basedir, 'build.log').text
for (goal in ['validate', 'plan', 'explain', 'help']) {
    assert log.contains('nsbox:' + goal)
}
for (property in ['nsbox.spec', 'nsbox.skip', 'nsbox.specs', 'nsbox.format', 'nsbox.planFile']) {
    assert log.contains('User property: ' + property)
}
assert log.contains('BUILD SUCCESS')
