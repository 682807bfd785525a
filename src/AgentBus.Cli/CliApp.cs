using System.CommandLine;
using AgentBus.Client.Errors;
using AgentBus.Cli.Commands;
using AgentBus.Cli.Output;

namespace AgentBus.Cli;

/// <summary>
/// The agentbus command: builds the verbs, parses, runs one, and turns what went wrong into one line on the error
/// writer and an exit code (<see cref="ExitCodes"/>). The entry point tests call in-process with their own writers.
/// </summary>
internal sealed class CliApp
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;

    private CliApp(TextWriter output, TextWriter error)
    {
        _out = output;
        _error = error;
    }

    public CliSettings Settings { get; } = new();

    /// <summary>Runs the command line <paramref name="args"/>, writing to <paramref name="output"/> and <paramref name="error"/>.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken ct = default)
    {
        var app = new CliApp(output, error);
        var root = app.BuildRoot();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                error.WriteLine($"agentbus: {parseError.Message}");
            }

            error.WriteLine("Run 'agentbus --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, ct).ConfigureAwait(false);
    }

    private RootCommand BuildRoot()
    {
        var root = new RootCommand("agentbus: look into and operate an AgentBus broker, and talk to its agents.");
        Settings.AddTo(root);
        var topics = BrokerCommands.Topics(this);
        var groups = BrokerCommands.Groups(this);
        DefinitionCommands.AddTo(topics, groups, this);
        root.Subcommands.Add(topics);
        root.Subcommands.Add(groups);
        root.Subcommands.Add(LiteCommands.Lite(this));
        root.Subcommands.Add(BrokerCommands.Clients(this));
        root.Subcommands.Add(LiteCommands.Offsets(this));
        root.Subcommands.Add(StatsCommand.Create(this));
        root.Subcommands.Add(DeadLetterCommands.Create(this));
        root.Subcommands.Add(MessageCommands.Message(this));
        root.Subcommands.Add(MessageCommands.Queue(this));
        foreach (var command in AgentCommands.Create(this))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>Runs a verb's work with its output, mapping failures to exit codes.</summary>
    public void SetAction(Command command, Func<ParseResult, CliOutput, CancellationToken, Task> work) =>
        command.SetAction(async (parse, ct) =>
        {
            var output = new CliOutput(_out, _error, parse.GetValue(Settings.Json));
            try
            {
                await work(parse, output, ct).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                var (code, message) = Explain(ex, parse, ct);
                output.Fail(message);
                return code;
            }
        });

    private (int Code, string Message) Explain(Exception ex, ParseResult parse, CancellationToken ct)
    {
        string endpoint = Settings.EndpointOf(parse);
        return ex switch
        {
            UsageException usage => (ExitCodes.Usage, usage.Message),
            NotFoundException notFound => (ExitCodes.NotFound, $"not found: {notFound.Message}"),
            AgentUnavailableException unavailable => (ExitCodes.NotFound, unavailable.Message),
            AgentTimeoutException timeout => (ExitCodes.BrokerError, timeout.Message),
            RequestTimeoutException or NetworkException =>
                (ExitCodes.Unreachable, $"cannot reach the broker at {endpoint} within {parse.GetValue(Settings.Timeout)} s; is it running there? (--endpoint or AGENTBUS_ENDPOINT)"),
            UnsupportedException or NotSupportedException => (ExitCodes.Unreachable, FirstLine(ex.Message)),
            ClientException client => (ExitCodes.BrokerError, $"the broker refused: {client.Message}"),
            AgentBusException agent => (ExitCodes.BrokerError, agent.Message),
            OperationCanceledException when ct.IsCancellationRequested => (ExitCodes.BrokerError, "cancelled"),
            _ => (ExitCodes.BrokerError, $"{ex.GetType().Name}: {FirstLine(ex.Message)}"),
        };
    }

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
