using System.Net;
using AgentBus.Broker;
using AgentBus.Server.Hosting;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentBus.Dashboard.Tests;

/// <summary>
/// The broker's dashboard in headless chromium against a real broker with real agents over gRPC: the live numbers
/// and tables show the broker's lite topics, agents, sessions, clients and dead letters, and a lite topic opens on
/// its messages, shown as text. With <c>AGENTBUS_DASHBOARD_SCREENSHOTS</c> set, the screenshots for docs/images.
/// </summary>
public sealed class DashboardTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // The agent layer's consumer group for inboxes, whose dead letters the page lists.
    private static readonly string Group = new AgentBusOptions().ConsumerGroup;

    private const string Markup = "<img src=x onerror=\"window.__injected=1\"><b>bold?</b>";

    private sealed record Note(string Text, int Index);

    private sealed record Trip(string City, int Nights);

    [Fact]
    public async Task The_dashboard_shows_the_live_broker_and_a_lite_topics_messages()
    {
        await using var broker = await BusBroker.StartAsync(configureServer: server =>
        {
            server.Http.Enabled = true;
            server.Http.Dashboard = true;
        });
        var ops = broker.Broker.OperationsAddress!;
        var bus = await broker.ConnectAsync("gateway-1");

        // An agent that answers, one that refuses what it cannot read (a dead letter), one that is not running (a backlog).
        await using var writer = await bus.CreateAgentAsync("writer", (ctx, ct) => ctx.ReplyAsync($"a text about {ctx.GetBody<string>()}", ct));
        var deadLettered = new Signal();
        await using var strict = await bus.CreateAgentAsync("strict", (ctx, ct) =>
        {
            ctx.GetBody<Note>();
            return ValueTask.CompletedTask;
        });
        await using var gateway = await bus.CreateAgentAsync("gateway");
        await gateway.SendToAsync("strict", "not a note");
        for (int i = 1; i <= 3; i++)
        {
            await gateway.SendToAsync("planner/eu", new Trip($"city {i}", i));
        }

        // Raw bytes travel as they are: markup in a body must reach the page as text.
        await gateway.SendToAsync("planner/eu", System.Text.Encoding.UTF8.GetBytes(Markup));

        // A session with an owner, and one that waits for its owner.
        await using var owned = await gateway.OpenSessionAsync("trip-42");
        await gateway.SendToSessionAsync("audit/7", new Note("opened", 1));
        Assert.Equal("a text about lite topics", await gateway.RequestAsync<string, string>("writer", "lite topics"));
        await Eventually.TrueAsync(() => broker.Broker.Engine.PeekDeadLetters(Group).Messages.Count == 1, Timeout, "the dead letter");

        // Steady traffic while the page is open, so the rates move.
        using var stop = new CancellationTokenSource();
        var traffic = Task.Run(async () =>
        {
            for (int i = 0; i < 600 && !stop.IsCancellationRequested; i++)
            {
                await gateway.RequestAsync<string, string>("writer", $"topic {i}", ct: stop.Token);
                await Task.Delay(50, stop.Token);
            }
        });

        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var response = await page.GotoAsync(new Uri(ops, "/dashboard/").ToString());
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);

        await Expect(page.Locator("#status")).ToHaveTextAsync("live", new() { Timeout = 15_000 });
        await page.WaitForFunctionAsync("() => Number(document.getElementById('rate-in').textContent) > 0", null, new() { Timeout = 15_000 });

        // Agents by their ids, not their lite topic names; the inbox of the agent that is not running holds its three.
        var planner = page.Locator("#agents tbody tr", new() { HasText = "planner/eu" });
        await Expect(planner.Locator("td").Nth(1)).ToHaveTextAsync("4");
        await Expect(page.Locator("#agents tbody")).ToContainTextAsync("writer");
        await Expect(page.Locator("#agents tbody")).ToContainTextAsync("strict");

        var trip = page.Locator("#sessions tbody tr", new() { HasText = "trip-42" });
        await Expect(trip.Locator("td").Nth(2)).Not.ToHaveTextAsync("none");
        var audit = page.Locator("#sessions tbody tr", new() { HasText = "audit/7" });
        await Expect(audit.Locator("td").Nth(1)).ToHaveTextAsync("1");
        await Expect(audit.Locator("td").Nth(2)).ToHaveTextAsync("none");

        await Expect(page.Locator("#top-lite-topics tbody tr").First).ToContainTextAsync("agent|planner%2Feu");
        await Expect(page.Locator("#backlog")).Not.ToHaveTextAsync("–");
        await Expect(page.Locator("#dead-letters tbody tr", new() { HasText = Group }).Locator("td").Nth(1)).ToHaveTextAsync("1");
        await Expect(page.Locator("#dead-letters-count")).ToHaveTextAsync("1");
        await Expect(page.Locator("#clients tbody")).ToContainTextAsync(Group);
        // A few seconds of throughput in the chart before the picture.
        await page.WaitForFunctionAsync("() => window.agentbusSamples >= 8", null, new() { Timeout = 20_000 });
        await Chromium.ScreenshotAsync(page, "dashboard.png");

        // A lite topic in detail: its messages, bodies and properties as text, never as markup.
        await planner.ClickAsync();
        var detail = page.Locator("#detail");
        await Expect(detail).ToBeVisibleAsync();
        await Expect(page.Locator("#detail-title")).ToContainTextAsync("agent|planner%2Feu");
        var messages = page.Locator("#detail-messages .message");
        await Expect(messages).ToHaveCountAsync(4);
        await Expect(messages.First.Locator("pre")).ToHaveTextAsync(Markup);
        await Expect(messages.Nth(1).Locator("pre")).ToContainTextAsync("\"city\":\"city 3\"");
        await Expect(messages.First.Locator("table")).ToContainTextAsync("ab");
        await Expect(page.Locator("#detail-messages img, #detail-messages b")).ToHaveCountAsync(0);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__injected === undefined"));
        await Expect(page.Locator("#detail-groups tbody")).ToContainTextAsync(Group);
        await detail.ScrollIntoViewIfNeededAsync();
        await Chromium.ScreenshotAsync(page, "dashboard-lite-topic.png");

        await stop.CancelAsync();
        await Task.WhenAny(traffic, Task.Delay(Timeout));
    }

    [Fact]
    public async Task With_authentication_on_only_an_admin_user_opens_the_dashboard()
    {
        await using var broker = await TestBroker.StartAsync(configureServer: server =>
        {
            server.Http.Enabled = true;
            server.Http.Dashboard = true;
            server.Auth.Enabled = true;
            server.Auth.Users.Add(new AuthUser { AccessKey = "operator", SecretKey = "operator-secret", Admin = true });
            server.Auth.Users.Add(new AuthUser { AccessKey = "app", SecretKey = "app-secret" });
        });
        string url = new Uri(broker.Broker.OperationsAddress!, "/dashboard/").ToString();
        var (playwright, browser) = await Chromium.LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;

        await using (var anonymous = await browser.NewContextAsync())
        {
            var refused = await anonymous.APIRequest.GetAsync(url);
            Assert.Equal((int)HttpStatusCode.Unauthorized, refused.Status);
            Assert.StartsWith("Basic", refused.Headers["www-authenticate"], StringComparison.Ordinal);
            Assert.Equal((int)HttpStatusCode.Unauthorized, (await anonymous.APIRequest.GetAsync(url + "api/overview")).Status);

            await AssertNoPageAsync(await anonymous.NewPageAsync(), url);
        }

        await using (var app = await browser.NewContextAsync(new BrowserNewContextOptions { HttpCredentials = new HttpCredentials { Username = "app", Password = "app-secret" } }))
        {
            // The broker answers the credentials of a user that is not an admin with 401 again.
            Assert.Equal((int)HttpStatusCode.Unauthorized, (await app.APIRequest.GetAsync(url)).Status);
            await AssertNoPageAsync(await app.NewPageAsync(), url);
        }

        await using var admin = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            HttpCredentials = new HttpCredentials { Username = "operator", Password = "operator-secret" },
        });
        var adminPage = await admin.NewPageAsync();
        Assert.Equal((int)HttpStatusCode.OK, (await adminPage.GotoAsync(url))!.Status);
        await Expect(adminPage.Locator("#status")).ToHaveTextAsync("live", new() { Timeout = 15_000 });
        await Expect(adminPage.Locator("#lite-topics-count")).ToHaveTextAsync("0");
        Assert.Equal(0, broker.Engine.LiteTopicCount);
    }

    /// <summary>
    /// The browser gets no dashboard: headless chromium either shows the 401 answer or, having no one to ask for
    /// other credentials, ends the navigation with ERR_INVALID_AUTH_CREDENTIALS.
    /// </summary>
    private static async Task AssertNoPageAsync(IPage page, string url)
    {
        try
        {
            var response = await page.GotoAsync(url);
            Assert.Equal((int)HttpStatusCode.Unauthorized, response!.Status);
        }
        catch (PlaywrightException refused) when (refused.Message.Contains("ERR_INVALID_AUTH_CREDENTIALS", StringComparison.Ordinal))
        {
            // Refused by the browser after the broker's 401.
        }

        Assert.Equal(0, await page.Locator("#status").CountAsync());
    }
}
