using AgentBus.Benchmarks.Harness;
using BenchmarkDotNet.Running;

// `-- harness <scenario> [options]` runs an end-to-end scenario with real files; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "harness")
{
    return await HarnessRunner.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
