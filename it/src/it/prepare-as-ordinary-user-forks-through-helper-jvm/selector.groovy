return evaluate(new File(itSupport, 'needs-test-user.groovy'))
