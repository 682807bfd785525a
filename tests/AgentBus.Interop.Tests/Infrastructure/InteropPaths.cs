namespace AgentBus.Interop.Tests.Infrastructure;

/// <summary>Where the Node.js scenario package lives in the repository.</summary>
internal static class InteropPaths
{
    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The repository root (the folder holding <c>AgentBus.sln</c>).</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary><c>tests/Interop</c>: package.json, lib/ and scenarios/.</summary>
    public static string InteropDirectory => Path.Combine(RepositoryRoot, "tests", "Interop");

    /// <summary><c>tests/Interop/scenarios/resources.json</c>.</summary>
    public static string ResourcesFile => Path.Combine(InteropDirectory, "scenarios", "resources.json");

    /// <summary>The scenario script of <paramref name="scenario"/>.</summary>
    public static string ScriptOf(string scenario) => Path.Combine(InteropDirectory, "scenarios", scenario + ".js");

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentBus.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"AgentBus.sln not found above {AppContext.BaseDirectory}; the interop tests run from a repository checkout.");
    }
}
