using System.ComponentModel;

namespace MultiAgentDemo.Team;

/// <summary>The researcher's own knowledge: a few facts about AgentBus, found by the words of a question. It is a local tool, not a bus call.</summary>
internal static class FactBook
{
    public const string ToolName = "lookup_facts";

    private static readonly (string[] Keywords, string Fact)[] Facts =
    [
        (["reply", "route", "gateway", "instance", "back"], "Every client has its own reply lite topic, reply|<instance id>, and each request names it in its envelope's reply-to field, so the answer goes to the very process that asked."),
        (["restart", "gateway", "down", "attach", "reply"], "A gateway with a stable InstanceId reads its reply topic from the committed offset after a restart, and AttachAsync(requestId) returns a reply that arrived while it was down."),
        (["session", "conversation", "order", "resume", "history"], "A session is the lite topic session|<id> in an exclusive FIFO group: one owner at a time, messages in order, and a new owner resumes at the committed offset."),
        (["stream", "token", "chunk", "resume"], "A streamed reply is written chunk by chunk to req|<request id>, so a reader can resume after the last sequence it saw."),
        (["offline", "durable", "send", "note", "inbox"], "A message to an agent waits in its inbox, agent|<id>, until a replica runs: sends are durable once the broker has stored them."),
        (["lite", "topic", "topics", "million", "scale"], "Lite topics are tiny dynamic topics under one parent topic, so one per agent, instance, request and session costs a few hundred bytes."),
    ];

    /// <summary>The facts that share a word with the question, best match first; the general facts when none does.</summary>
    [Description("Look up facts about AgentBus (lite topics, replies, sessions, streams) that match a question.")]
    public static string Lookup([Description("The question or topic to look up.")] string question)
    {
        var words = (question ?? "").ToLowerInvariant().Split([' ', '?', ',', '.', '!', '\'', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var hits = Facts.Select(f => (f.Fact, Score: f.Keywords.Count(words.Contains)))
            .Where(f => f.Score > 0)
            .OrderByDescending(f => f.Score)
            .Take(2)
            .Select(f => f.Fact)
            .ToList();
        return string.Join(" ", hits.Count > 0 ? hits : [Facts[^1].Fact, Facts[0].Fact]);
    }
}
