using AppHost.Emulators.Lambda;

namespace AppHost.Emulators.Tests;

/// <summary>Who gets the machine's init slots: an invocation's cold start first, then the functions invoked most recently.</summary>
public sealed class InitSlotsTests
{
    [Fact]
    public async Task AFreedSlotGoesToTheWaitingInvocationThenToTheHighestPriorityThenToTheEarliest()
    {
        var slots = new InitSlots(1);
        var held = await slots.TakeAsync(0, CancellationToken.None);
        var order = new List<string>();
        async Task TakeAndRecord(string name, long priority)
        {
            using var slot = await slots.TakeAsync(priority, CancellationToken.None);
            order.Add(name);
        }

        var waiters = new[]
        {
            TakeAndRecord("idle function", 5),
            TakeAndRecord("another idle function", 5),
            TakeAndRecord("cold start", InitSlots.InvocationWaiting),
            TakeAndRecord("recently invoked function", 10),
        };
        Assert.All(waiters, waiter => Assert.False(waiter.IsCompleted));
        held.Dispose();
        await Task.WhenAll(waiters);

        Assert.Equal(["cold start", "recently invoked function", "idle function", "another idle function"], order);
    }

    [Fact]
    public async Task AWaiterThatGivesUpTakesNoSlot()
    {
        var slots = new InitSlots(1);
        var held = await slots.TakeAsync(0, CancellationToken.None);
        using var givingUp = new CancellationTokenSource();
        var abandoned = slots.TakeAsync(InitSlots.InvocationWaiting, givingUp.Token);
        var patient = slots.TakeAsync(1, CancellationToken.None);

        await givingUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        held.Dispose();

        using var slot = await patient.WaitAsync(TimeSpan.FromSeconds(10));
        // Both slots' holders gone, the one slot is free again.
        slot.Dispose();
        using var again = await slots.TakeAsync(0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
