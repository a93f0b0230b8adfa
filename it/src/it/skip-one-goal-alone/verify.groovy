def lines = new File(basedir, 'build.log').readLines()
assert lines.contains('[INFO] nsbox: skipped, because nsbox.run.skip is true; drop -Dnsbox.run.skip (or set <skipRun>false</skipRun>) to run it')
assert lines.contains('[INFO] nsbox: skipped, because nsbox.plan.skip is true; drop -Dnsbox.plan.skip (or set <skipPlan>false</skipPlan>) to run it')
assert !lines.any { it.contains('this step ran') && !it.contains('shell') }
// validate has no property of its own set, so it runs.
assert lines.any { it.startsWith('[INFO] nsbox: ') && it.contains('nsbox.yaml') && it.contains('valid') } : 'validate ran'
assert lines.any { it.startsWith('[WARNING] nsbox: skipped, because nsbox.prepare.skip is true: the tests will run OUTSIDE any sandbox;') }
assert lines.contains('[ERROR] error: nsbox:prepare was skipped (nsbox.prepare.skip is true), so this module\'s tests ran'
        + ' OUTSIDE any sandbox and nothing proves otherwise; skip this check as well (-Dnsbox.verify-forks.skip,'
        + ' or -Dnsbox.skip for both goals) to run them unsandboxed on purpose, or drop -Dnsbox.prepare.skip to sandbox them')
assert lines.contains('[INFO] BUILD FAILURE')
// The second build, both skipped on purpose (the invoker appends its log).
assert lines.contains('[WARNING] nsbox: skipped, because nsbox.verify-forks.skip is true: nothing proves that this'
        + ' build\'s test JVMs ran in nsbox\'s sandbox; drop -Dnsbox.verify-forks.skip (or set'
        + ' <skipVerifyForks>false</skipVerifyForks>) to check the test JVMs again')
assert lines.contains('[INFO] BUILD SUCCESS')
