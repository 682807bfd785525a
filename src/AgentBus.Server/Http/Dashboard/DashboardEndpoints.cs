using System.Text.Json;
using AgentBus.Broker.Errors;

namespace AgentBus.Server.Http.Dashboard;

/// <summary>
/// The dashboard at <c>/dashboard/</c>: a page, a script and a style sheet embedded in this assembly, and the JSON
/// they read under <c>/dashboard/api/</c>. Every response forbids framing and scripts from elsewhere.
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>Where the dashboard is.</summary>
    public const string Path = "/dashboard";

    private static readonly (string Name, string ContentType)[] Assets =
    [
        ("index.html", "text/html; charset=utf-8"),
        ("dashboard.js", "text/javascript; charset=utf-8"),
        ("dashboard.css", "text/css; charset=utf-8"),
    ];

    /// <summary>Maps the page, its assets and its API.</summary>
    public static IEnumerable<IEndpointConventionBuilder> Map(IEndpointRouteBuilder endpoints)
    {
        var access = endpoints.ServiceProvider.GetRequiredService<DashboardAccess>();
        var reader = endpoints.ServiceProvider.GetRequiredService<DashboardReader>();
        foreach (var (name, contentType) in Assets)
        {
            byte[] content = Load(name);
            RequestDelegate serve = context =>
            {
                context.Response.ContentType = contentType;
                context.Response.Headers.CacheControl = "no-cache";
                return context.Response.Body.WriteAsync(content, context.RequestAborted).AsTask();
            };
            yield return endpoints.MapGet($"{Path}/{name}", Guarded(access, serve));
            if (name == "index.html")
            {
                // Routing matches /dashboard and /dashboard/ alike; the page's relative URLs need the slash.
                yield return endpoints.MapGet(Path, Guarded(access, context =>
                {
                    if (context.Request.Path.Value?.EndsWith('/') == true)
                    {
                        return serve(context);
                    }

                    context.Response.Redirect(context.Request.PathBase + Path + "/");
                    return Task.CompletedTask;
                }));
            }
        }

        yield return endpoints.MapGet(Path + "/api/overview", Guarded(access, Api(reader, context => Json(context, reader.Overview(), DashboardJson.Default.OverviewView))));
        yield return endpoints.MapGet(Path + "/api/lite-topic", Guarded(access, Api(reader, context => LiteTopicAsync(context, reader))));
    }

    /// <summary>Answers 503 rather than failing while the engine is not open (a poll during a stop).</summary>
    private static RequestDelegate Api(DashboardReader reader, RequestDelegate next) => async context =>
    {
        try
        {
            if (reader.IsRunning)
            {
                await next(context).ConfigureAwait(false);
                return;
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException && !reader.IsRunning && !context.Response.HasStarted)
        {
            // The engine closed under the request.
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        await Json(context, new ErrorView("The broker is not running."), DashboardJson.Default.ErrorView).ConfigureAwait(false);
    };

    private static Task LiteTopicAsync(HttpContext context, DashboardReader reader)
    {
        string parent = context.Request.Query["parent"].ToString();
        string name = context.Request.Query["name"].ToString();
        if (parent.Length == 0 || name.Length == 0)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Json(context, new ErrorView("Give the lite topic as ?parent=PARENT&name=LITE_TOPIC."), DashboardJson.Default.ErrorView);
        }

        try
        {
            return Json(context, reader.LiteTopic(parent, name), DashboardJson.Default.LiteTopicDetailView);
        }
        catch (BrokerException refused)
        {
            context.Response.StatusCode = refused.Code is BrokerErrorCode.TopicNotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
            return Json(context, new ErrorView(refused.Message), DashboardJson.Default.ErrorView);
        }
    }

    private static Task Json<T>(HttpContext context, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }

    /// <summary>Checks access and sets the headers every dashboard response carries.</summary>
    private static RequestDelegate Guarded(DashboardAccess access, RequestDelegate next) => async context =>
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        if (await access.AllowAsync(context).ConfigureAwait(false))
        {
            await next(context).ConfigureAwait(false);
        }
    };

    private static byte[] Load(string name)
    {
        using var stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("AgentBus.Server.Dashboard." + name)
            ?? throw new InvalidOperationException($"The dashboard's {name} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
