using Spectre.Console;
using Spectre.Console.Rendering;

namespace MultiAgentDemo.Display;

/// <summary>What the demo writes: step headers, lines of what happens, checks, streamed tokens, tables. Plain text when redirected.</summary>
internal sealed class DemoConsole
{
    private readonly IAnsiConsole _console;
    private readonly bool _interactive;

    public DemoConsole(TextWriter output, bool interactive)
    {
        _console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
        });
        _interactive = interactive;
        if (!interactive)
        {
            // A log or a test reads whole lines: no wrapping at an imagined 80 columns.
            _console.Profile.Width = 160;
        }
    }

    public static DemoConsole ForStandardOutput() => new(Console.Out, interactive: !Console.IsOutputRedirected);

    public void Title(string text) => _console.Write(new FigletText(text).Color(Color.SteelBlue1));

    public void Rule(string title) => _console.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified().RuleStyle("grey"));

    /// <summary>One line of what happens, with an arrow for a message crossing the bus.</summary>
    public void Info(string text) => _console.MarkupLine($"  {Markup.Escape(text)}");

    public void Bus(string from, string to, string what) =>
        _console.MarkupLine($"  [aqua]{Markup.Escape(from)}[/] [grey]──►[/] [aqua]{Markup.Escape(to)}[/]  {Markup.Escape(what)}");

    public void Dim(string text) => _console.MarkupLine($"  [grey]{Markup.Escape(text)}[/]");

    public void Check(string text, bool passed, string? detail)
    {
        string extra = detail is null ? "" : $" [grey]({Markup.Escape(detail)})[/]";
        _console.MarkupLine(passed
            ? $"  [green]✔ check passed:[/] {Markup.Escape(text)}{extra}"
            : $"  [red]✘ check FAILED:[/] {Markup.Escape(text)}{extra}");
    }

    public void Warn(string text) => _console.MarkupLine($"  [yellow]{Markup.Escape(text)}[/]");

    public void Error(string text) => _console.MarkupLine($"[red]{Markup.Escape(text)}[/]");

    public void Quote(string header, string text) =>
        _console.Write(new Padder(new Panel(new Text(text)).Header(Markup.Escape(header)).Border(BoxBorder.Rounded).BorderColor(Color.Grey), new Padding(2, 0, 0, 0)));

    /// <summary>A streamed token, written as it arrives on the same line.</summary>
    public void Token(string token) => _console.Write(new Text(token, new Style(Color.Yellow)));

    public void StartTokens() => _console.Markup("  [grey]tokens:[/] ");

    public void EndTokens() => _console.WriteLine();

    /// <summary>Awaits <paramref name="work"/> under a spinner on a terminal (nothing extra in a log).</summary>
    public async Task<T> WaitingAsync<T>(string what, Func<Task<T>> work)
    {
        if (!_interactive)
        {
            return await work().ConfigureAwait(false);
        }

        return await _console.Status().Spinner(Spinner.Known.Dots).StartAsync($"[grey]{Markup.Escape(what)}…[/]", _ => work()).ConfigureAwait(false);
    }

    public void Write(IRenderable renderable) => _console.Write(renderable);

    public void Line(string markup) => _console.MarkupLine(markup);
}
