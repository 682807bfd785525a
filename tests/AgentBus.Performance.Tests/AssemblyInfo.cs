// The process-wide allocation counter sees every thread: a test running beside another would count both.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
