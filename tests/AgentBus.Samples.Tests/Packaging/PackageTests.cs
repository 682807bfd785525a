using System.IO.Compression;
using System.Xml.Linq;

namespace AgentBus.Samples.Tests.Packaging;

/// <summary>
/// The packages a user installs: what each .nupkg holds, and a console program outside the repository that takes
/// AgentBus from a local folder feed, builds and runs against its embedded broker. About a minute in all (one pack,
/// one restore and build of the program).
/// </summary>
public sealed class PackageTests(PackedFeed feed) : IClassFixture<PackedFeed>
{
    /// <summary>The packages each package depends on among ours.</summary>
    public static TheoryData<string, string[]> OurDependencies => new()
    {
        { "AgentBus.Protocol", [] },
        { "AgentBus.Broker", [] },
        { "AgentBus.Client", ["AgentBus.Protocol"] },
        { "AgentBus.Server", ["AgentBus.Broker", "AgentBus.Protocol"] },
        { "AgentBus", ["AgentBus.Client", "AgentBus.Server"] },
        { "AgentBus.SemanticKernel", ["AgentBus"] },
        { "AgentBus.AgentFramework", ["AgentBus"] },
    };

    [Fact]
    public void The_solution_packs_the_libraries_and_nothing_else()
    {
        var packed = Directory.GetFiles(feed.Feed).Select(file => Path.GetFileName(file)).Order().ToList();

        var expected = PackedFeed.PackageIds.SelectMany(id => new[] { $"{id}.{feed.Version}.nupkg", $"{id}.{feed.Version}.snupkg" }).Order().ToList();
        Assert.Equal(expected, packed);
    }

    [Theory]
    [MemberData(nameof(OurDependencies))]
    public void A_package_carries_its_readme_license_symbols_and_package_dependencies(string id, string[] ours)
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{feed.Version}.nupkg"));
        var nuspec = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!;
        XNamespace ns = nuspec.Name.Namespace;
        var metadata = nuspec.Element(ns + "metadata")!;

        Assert.Equal(id, metadata.Element(ns + "id")?.Value);
        Assert.Equal("Apache-2.0", metadata.Element(ns + "license")?.Value);
        Assert.Equal("expression", metadata.Element(ns + "license")?.Attribute("type")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value));
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "tags")?.Value));
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        using (var readme = new StreamReader(package.GetEntry("README.md")!.Open()))
        {
            Assert.StartsWith($"# {id}\n", readme.ReadToEnd(), StringComparison.Ordinal);
        }

        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.dll"));
        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.xml"));

        // Project references became package references at the same version; no path leaks into the package.
        var dependencies = metadata.Descendants(ns + "dependency").ToDictionary(d => d.Attribute("id")!.Value, d => d.Attribute("version")!.Value);
        Assert.Equal(ours.Order(), dependencies.Keys.Where(d => d.StartsWith("AgentBus", StringComparison.Ordinal)).Order());
        Assert.All(ours, dependency => Assert.Equal(feed.Version, dependencies[dependency]));
        Assert.DoesNotContain(dependencies.Keys, d => d.Contains('/', StringComparison.Ordinal) || d.EndsWith(".csproj", StringComparison.Ordinal));
        Assert.DoesNotContain("Grpc.Tools", dependencies.Keys);

        using var symbols = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{feed.Version}.snupkg"));
        Assert.NotNull(symbols.GetEntry($"lib/net10.0/{id}.pdb"));
    }

    [Fact]
    public async Task The_cli_packs_as_the_agentbus_dotnet_tool_that_runs_from_its_package()
    {
        string package = Path.Combine(feed.Feed, $"AgentBus.Cli.{feed.Version}.nupkg");
        using (var zip = ZipFile.OpenRead(package))
        {
            var nuspec = XDocument.Load(zip.GetEntry("AgentBus.Cli.nuspec")!.Open()).Root!;
            XNamespace ns = nuspec.Name.Namespace;
            Assert.Equal("DotnetTool", nuspec.Descendants(ns + "packageType").Single().Attribute("name")?.Value);
            var settings = XDocument.Load(zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open()).Root!;
            var command = settings.Descendants("Command").Single();
            Assert.Equal(("agentbus", "AgentBus.Cli.dll"), (command.Attribute("Name")?.Value, command.Attribute("EntryPoint")?.Value));
            zip.ExtractToDirectory(Path.Combine(feed.Root, "tool"));
        }

        // The tool's folder holds everything it runs with, as `dotnet tool install` lays it out.
        string entry = Path.Combine(feed.Root, "tool", "tools", "net10.0", "any", "AgentBus.Cli.dll");
        var version = await DotnetCommand.RunAsync(feed.Root, TimeSpan.FromMinutes(1), entry, "--version");
        var usage = await DotnetCommand.RunAsync(feed.Root, TimeSpan.FromMinutes(1), entry, "lite", "peek");

        Assert.True(version.ExitCode == 0, version.Output);
        // The pack reuses the build (--no-build), so the program reports the version it was built with.
        Assert.Matches(@"^\d+\.\d+\.\d+", version.Output.Trim());
        Assert.Equal(2, usage.ExitCode);
    }

    [Fact]
    public async Task A_console_program_outside_the_repository_uses_the_packed_AgentBus_from_a_folder_feed()
    {
        string app = Path.Combine(feed.Root, "consumer");
        Directory.CreateDirectory(app);
        WriteConsumer(app, feed.Feed, feed.Version);

        var build = await DotnetCommand.RunAsync(app, TimeSpan.FromMinutes(3), "build", "-c", "Release", "-nodeReuse:false", "-p:UseSharedCompilation=false");
        Assert.True(build.ExitCode == 0, "The program did not build from the packages:\n" + build.Output);
        Assert.True(File.Exists(Path.Combine(app, "packages", "agentbus", feed.Version, $"agentbus.{feed.Version}.nupkg")),
            "AgentBus did not come from the folder feed.");

        var run = await DotnetCommand.RunAsync(app, TimeSpan.FromMinutes(1), Path.Combine("bin", "Release", "net10.0", "Consumer.dll"));
        Assert.True(run.ExitCode == 0, "The program failed:\n" + run.Output);
        Assert.Contains("echo: hello from a package", run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The program, and a nuget.config naming the folder feed for AgentBus packages and the usual NuGet source for the
    /// rest. Packages this machine already holds come from its package folder (a fallback folder, read only); what
    /// the feed supplies is extracted into the program's own folder, so the machine's cache stays as it was.
    /// </summary>
    private static void WriteConsumer(string app, string feedFolder, string version)
    {
        string machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(app, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feedFolder}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{machinePackages}" />
              </fallbackPackageFolders>
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="AgentBus" />
                  <package pattern="AgentBus.*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="AgentBus" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using AgentBus;

            await using var bus = await AgentBusClient.StartEmbeddedAsync();
            await using var echo = await bus.CreateAgentAsync("echo", (ctx, ct) => ctx.ReplyAsync("echo: " + ctx.GetBody<string>(), ct));
            await using var me = await bus.CreateAgentAsync("consumer");
            Console.WriteLine(await me.RequestAsync<string, string>("echo", "hello from a package"));
            """);
    }
}
