namespace AgentBus.Cli.Output;

/// <summary>One column of a listing: its JSON key and its table header.</summary>
internal sealed record Column(string Key, string Header);

/// <summary>Rows with the same columns: a table for people, a JSON array of objects for scripts.</summary>
internal sealed class Listing(params Column[] columns)
{
    public IReadOnlyList<Column> Columns { get; } = columns;

    public List<object?[]> Rows { get; } = [];

    public Listing Add(params object?[] values)
    {
        if (values.Length != Columns.Count)
        {
            throw new ArgumentException($"A row of {Columns.Count} columns got {values.Length} values.", nameof(values));
        }

        Rows.Add(values);
        return this;
    }
}

/// <summary>One thing in detail: named fields, then listings (a JSON object with arrays).</summary>
internal sealed class Detail
{
    public List<(string Key, string Label, object? Value)> Fields { get; } = [];

    public List<(string Key, string Title, Listing Listing)> Listings { get; } = [];

    public Detail Field(string key, string label, object? value)
    {
        Fields.Add((key, label, value));
        return this;
    }

    public Detail With(string key, string title, Listing listing)
    {
        Listings.Add((key, title, listing));
        return this;
    }
}
