return evaluate(new File(itSupport, 'needs-scratch-namespace.groovy'))
