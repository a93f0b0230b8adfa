def log = new File(basedir, 'build.log').text
for (goal in ['run', 'validate', 'plan', 'explain', 'doctor', 'help']) {
    assert log.contains('nsbox:' + goal)
}
for (property in ['nsbox.spec', 'nsbox.skip', 'nsbox.specs', 'nsbox.format', 'nsbox.planFile',
        'nsbox.command', 'nsbox.timeout', 'nsbox.grace', 'nsbox.workingDirectory', 'nsbox.outputFile']) {
    assert log.contains('User property: ' + property)
}
assert log.contains('BUILD SUCCESS')
