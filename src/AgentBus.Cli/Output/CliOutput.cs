using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AgentBus.Cli.Output;

/// <summary>
/// Writes what a verb found: Spectre.Console tables for people, or with <c>--json</c> one JSON document per result
/// (durations in seconds, times in ISO 8601, absent values as null), and errors as one line on the error writer.
/// </summary>
internal sealed class CliOutput
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly IAnsiConsole _console;

    public CliOutput(TextWriter output, TextWriter error, bool json)
    {
        Out = output;
        Error = error;
        IsJson = json;
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        if (!terminal)
        {
            // Redirected output has no width; wide enough that a row stays on one line for grep.
            _console.Profile.Width = 240;
        }
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public bool IsJson { get; }

    public void Write(Listing listing, string? emptyMessage = null)
    {
        if (IsJson)
        {
            WriteJson(Rows(listing));
            return;
        }

        if (listing.Rows.Count == 0 && emptyMessage is not null)
        {
            Out.WriteLine(emptyMessage);
            return;
        }

        _console.Write(Table(listing));
    }

    public void Write(Detail detail)
    {
        if (IsJson)
        {
            var document = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, _, value) in detail.Fields)
            {
                document[key] = JsonValue(value);
            }

            foreach (var (key, _, listing) in detail.Listings)
            {
                document[key] = Rows(listing);
            }

            WriteJson(document);
            return;
        }

        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        foreach (var (_, label, value) in detail.Fields)
        {
            grid.AddRow(new Text(label + ":"), new Text(Human(value)));
        }

        _console.Write(grid);
        foreach (var (_, title, listing) in detail.Listings)
        {
            _console.WriteLine();
            if (listing.Rows.Count == 0)
            {
                Out.WriteLine($"{title}: none");
                continue;
            }

            _console.Write(Table(listing).Title(new TableTitle(title)));
        }
    }

    /// <summary>A line for people only (a confirmation); JSON output carries the same in its document.</summary>
    public void Line(string text)
    {
        if (!IsJson)
        {
            Out.WriteLine(text);
        }
    }

    public void WriteJson(object? document) => Out.WriteLine(JsonSerializer.Serialize(document, JsonOptions));

    public void Fail(string message) => Error.WriteLine($"agentbus: {message}");

    private static Table Table(Listing listing)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in listing.Columns)
        {
            table.AddColumn(new TableColumn(new Text(column.Header)));
        }

        foreach (var row in listing.Rows)
        {
            table.AddRow(row.Select(value => (IRenderable)new Text(Human(value))));
        }

        return table;
    }

    internal static List<Dictionary<string, object?>> Rows(Listing listing)
    {
        var rows = new List<Dictionary<string, object?>>(listing.Rows.Count);
        foreach (var row in listing.Rows)
        {
            var json = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (int i = 0; i < row.Length; i++)
            {
                json[listing.Columns[i].Key] = JsonValue(row[i]);
            }

            rows.Add(json);
        }

        return rows;
    }

    private static object? JsonValue(object? value) => value switch
    {
        TimeSpan span => Math.Round(span.TotalSeconds, 3),
        JsonElement element => element,
        Enum e => e.ToString(),
        _ => value,
    };

    internal static string Human(object? value) => value switch
    {
        null => "-",
        string s => s,
        bool b => b ? "yes" : "no",
        DateTimeOffset time => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        TimeSpan span => Duration(span),
        long or int => string.Format(CultureInfo.InvariantCulture, "{0:N0}", value),
        JsonElement element => element.GetRawText(),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Duration(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{(int)span.TotalDays}d{span.Hours}h"
        : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h{span.Minutes}m"
        : span.TotalMinutes >= 1 ? $"{(int)span.TotalMinutes}m{span.Seconds}s"
        : $"{span.TotalSeconds:0.#}s";
}
