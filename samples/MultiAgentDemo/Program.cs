using MultiAgentDemo;
using MultiAgentDemo.Display;

// dotnet run --project samples/MultiAgentDemo [-- --broker HOST:PORT --role ROLE --question "..."]; see DemoOptions.Usage.
DemoOptions options;
try
{
    options = DemoOptions.Parse(args);
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    await Console.Error.WriteLineAsync("Run with --help for the usage.");
    return 2;
}

if (options.Help)
{
    Console.WriteLine(DemoOptions.Usage);
    return 0;
}

return await DemoRunner.RunAsync(options, DemoConsole.ForStandardOutput());
