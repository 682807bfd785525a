using System.Globalization;

namespace MultiAgentDemo;

/// <summary>The command line: <c>[--broker HOST:PORT] [--role gateway|planner|researcher|writer] [--question TEXT] ...</c>.</summary>
internal sealed class DemoOptions
{
    public const string Usage = """
        MultiAgentDemo: a gateway, a planner, a researcher and a writer on the agent bus, each capability shown as a step.

        Usage: dotnet run --project samples/MultiAgentDemo -- [options]

          --question TEXT        the user's question (default: how lite topics route a reply)
          --broker HOST:PORT     use a running broker (e.g. src/AgentBus.Server.Host) instead of an embedded one
          --role ROLE            with --broker, run one part only: gateway (the steps), planner, researcher or writer
          --model NAME           the OpenAI model (default OPENAI_MODEL, else gpt-4o-mini); needs OPENAI_API_KEY
          --endpoint URL         an OpenAI-compatible server (default OPENAI_BASE_URL)
          --offline              use the built-in model even when OPENAI_API_KEY is set
          --token-delay-ms N     the built-in model's pause between streamed words (default 15)
          --timeout-s N          how long a step waits for an answer (default 30)
          -h, --help             this text

        Exit code: 0 when every step's check passed, 1 when one failed or the broker cannot be reached, 2 for a bad command line.
        """;

    public const string DefaultQuestion = "How does AgentBus route a reply to the gateway instance that asked?";

    public static readonly IReadOnlyList<string> Roles = ["gateway", "planner", "researcher", "writer"];

    public bool Help { get; private set; }

    public string Question { get; private set; } = DefaultQuestion;

    public string? Broker { get; private set; }

    /// <summary>Null: the whole team in this process.</summary>
    public string? Role { get; private set; }

    public string? Model { get; private set; }

    public string? Endpoint { get; private set; }

    public bool Offline { get; private set; }

    public TimeSpan TokenDelay { get; private set; } = TimeSpan.FromMilliseconds(15);

    public TimeSpan Timeout { get; private set; } = TimeSpan.FromSeconds(30);

    /// <summary>Reads the arguments.</summary>
    /// <exception cref="ArgumentException">An argument is unknown, lacks its value or has a bad one; the message says which.</exception>
    public static DemoOptions Parse(IReadOnlyList<string> args)
    {
        var options = new DemoOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            switch (name)
            {
                case "-h" or "--help": options.Help = true; break;
                case "--offline": options.Offline = true; break;
                case "--question": options.Question = NonEmpty(name, Value(args, ref i)); break;
                case "--broker": options.Broker = HostAndPort(Value(args, ref i)); break;
                case "--role": options.Role = RoleName(Value(args, ref i)); break;
                case "--model": options.Model = NonEmpty(name, Value(args, ref i)); break;
                case "--endpoint": options.Endpoint = Url(Value(args, ref i)); break;
                case "--token-delay-ms": options.TokenDelay = TimeSpan.FromMilliseconds(Number(name, Value(args, ref i), 0, 10_000)); break;
                case "--timeout-s": options.Timeout = TimeSpan.FromSeconds(Number(name, Value(args, ref i), 1, 3600)); break;
                default: throw new ArgumentException($"Unknown argument '{name}'. See --help.");
            }
        }

        if (options.Role is not null && options.Broker is null && !options.Help)
        {
            throw new ArgumentException($"--role {options.Role} needs --broker HOST:PORT: the parts of the team meet on a broker they all reach.");
        }

        return options;
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        string name = args[i];
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{name} needs a value. See --help.");
        }

        return args[++i];
    }

    private static string NonEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{name} must not be empty.") : value.Trim();

    private static string RoleName(string value) =>
        Roles.Contains(value.Trim().ToLowerInvariant())
            ? value.Trim().ToLowerInvariant()
            : throw new ArgumentException($"--role must be one of {string.Join(", ", Roles)}, not '{value}'.");

    private static string HostAndPort(string value)
    {
        string endpoint = value.Trim();
        int colon = endpoint.LastIndexOf(':');
        return colon > 0 && int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= 65535
            ? endpoint
            : throw new ArgumentException($"--broker must be host:port (e.g. 127.0.0.1:8081), not '{value}'.");
    }

    private static string Url(string value) =>
        Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.ToString()
            : throw new ArgumentException($"--endpoint must be an http(s) URL, not '{value}'.");

    private static int Number(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number >= min && number <= max
            ? number
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}, not '{value}'.");
}
