using Microsoft.Playwright;

namespace AgentBus.Dashboard.Tests;

/// <summary>Headless chromium from the system (Debian's <c>chromium</c> package), driven by Playwright.</summary>
internal static class Chromium
{
    /// <summary>Where test.sh installs it.</summary>
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Set to a folder to have the tests write their screenshots there (docs/images in the repository).</summary>
    public const string ScreenshotsVariable = "AGENTBUS_DASHBOARD_SCREENSHOTS";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        Assert.True(File.Exists(ExecutablePath), $"{ExecutablePath} is missing: install Debian's chromium package (test.sh does).");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                // Tests may run as root, where chromium's sandbox cannot start.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                Timeout = 60_000,
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Writes a screenshot of the page when <see cref="ScreenshotsVariable"/> names a folder.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        if (Environment.GetEnvironmentVariable(ScreenshotsVariable) is not { Length: > 0 } folder)
        {
            return;
        }

        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true });
    }
}
