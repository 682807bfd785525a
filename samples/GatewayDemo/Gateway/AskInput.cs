using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;

namespace GatewayDemo.Gateway;

/// <summary>Reads and checks a question from a JSON body (<c>POST</c>) or the query string (<c>GET ?question=&amp;timeoutMs=</c>).</summary>
internal static class AskInput
{
    public const int MaxQuestionLength = 4000;
    public const int MaxTimeoutMs = 300_000;

    public static async Task<(AskBody? Body, ProblemDetails? Problem)> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            return (null, GatewayProblems.UnsupportedMediaType());
        }

        AskBody? body;
        try
        {
            body = await request.ReadFromJsonAsync<AskBody>(ct).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return (null, GatewayProblems.BadRequest($"The body is not valid JSON for {{\"question\": \"...\", \"timeoutMs\": 1000}}: {ex.Message}"));
        }

        return body is null
            ? (null, GatewayProblems.BadRequest("The body must be a JSON object with a \"question\"."))
            : Check(body);
    }

    public static (AskBody? Body, ProblemDetails? Problem) ReadQuery(IQueryCollection query)
    {
        int? timeoutMs = null;
        if (query.TryGetValue("timeoutMs", out var text))
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int parsed))
            {
                return (null, GatewayProblems.BadRequest($"timeoutMs must be a whole number of milliseconds, not '{text}'."));
            }

            timeoutMs = parsed;
        }

        return Check(new AskBody(query["question"], timeoutMs));
    }

    /// <summary>The timeout of a resumed stream (query <c>timeoutMs</c>; no question needed).</summary>
    public static (int? TimeoutMs, ProblemDetails? Problem) ReadTimeout(IQueryCollection query)
    {
        if (!query.TryGetValue("timeoutMs", out var text))
        {
            return (null, null);
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int ms) && ms is > 0 and <= MaxTimeoutMs
            ? (ms, null)
            : (null, GatewayProblems.BadRequest($"timeoutMs must be from 1 to {MaxTimeoutMs}, not '{text}'."));
    }

    private static (AskBody? Body, ProblemDetails? Problem) Check(AskBody body)
    {
        if (string.IsNullOrWhiteSpace(body.Question))
        {
            return (null, GatewayProblems.BadRequest("\"question\" is required and must not be empty."));
        }

        if (body.Question.Length > MaxQuestionLength)
        {
            return (null, GatewayProblems.BadRequest($"\"question\" is longer than {MaxQuestionLength} characters."));
        }

        if (body.TimeoutMs is { } ms && ms is < 1 or > MaxTimeoutMs)
        {
            return (null, GatewayProblems.BadRequest($"\"timeoutMs\" must be from 1 to {MaxTimeoutMs}, not {ms}."));
        }

        return (body, null);
    }
}
