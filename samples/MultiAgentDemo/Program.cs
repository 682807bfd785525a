using MultiAgentDemo.Display;

namespace MultiAgentDemo;

/// <summary><c>dotnet run --project samples/MultiAgentDemo [-- --broker HOST:PORT --role ROLE --question "..."]</c>; see <see cref="DemoOptions.Usage"/>.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => RunAsync(args, DemoConsole.ForStandardOutput(), Console.Out, Console.Error);

    /// <returns>0 when every step's check passed; 1 when one failed or the broker cannot be had; 2 for a bad command line.</returns>
    public static async Task<int> RunAsync(string[] args, DemoConsole console, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        DemoOptions options;
        try
        {
            options = DemoOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            await error.WriteLineAsync("Run with --help for the usage.").ConfigureAwait(false);
            return 2;
        }

        if (options.Help)
        {
            await output.WriteLineAsync(DemoOptions.Usage).ConfigureAwait(false);
            return 0;
        }

        return await DemoRunner.RunAsync(options, console, ct).ConfigureAwait(false);
    }
}
