"""Plain scripts run as the engine runs them: the program ends by itself at interpreter exit,
with the right exit status and the right report to the engine; fork() is safe."""

from __future__ import annotations

from pathlib import Path

from conftest import MockEngine, run_script

URN = "urn:engine:dev::proj::"


def test_a_plain_script_ends_by_itself_and_sends_its_outputs(mock: MockEngine, tmp_path: Path) -> None:
    result = run_script(
        mock,
        """
        import engine_sdk as engine
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {"RetentionInDays": 7})
        async def later(arn):
            return arn + "!"
        engine.export("arn", logs.get_output("Arn").apply(later))
        print("script body done")
        """,
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "script body done" in result.stdout
    assert mock.stack_outputs() == {"arn": "arn:mock:AWS::Logs::LogGroup:logs!"}
    assert mock.finishes() == [{"error": "", "urn": ""}]
    assert mock.registration("logs")["source_position"] == "main.py:3"


def test_an_uncaught_exception_is_reported_with_its_traceback(mock: MockEngine, tmp_path: Path) -> None:
    result = run_script(
        mock,
        """
        import engine_sdk as engine
        engine.CustomResource("AWS::SNS::Topic", "topic", {})
        def configure():
            raise RuntimeError("no quota left")
        configure()
        """,
        tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.count("RuntimeError: no quota left") == 1, result.stderr
    finish = mock.finishes()[0]
    assert finish["error"].startswith("Traceback (most recent call last):")
    assert 'main.py", line 6' in finish["error"] and "RuntimeError: no quota left" in finish["error"]
    assert [r["name"] for r in mock.dump()["registrations"]] == ["topic"], "what was declared still registers"


def test_a_background_failure_makes_the_script_exit_non_zero(start_mock: object, tmp_path: Path) -> None:
    mock = start_mock("--fail-type", "AWS::SQS::Queue=QueueName is invalid")  # type: ignore[operator]
    result = run_script(
        mock,
        """
        import engine_sdk as engine
        engine.CustomResource("AWS::SQS::Queue", "bad", {"QueueName": "!"})
        print("body ends normally")
        """,
        tmp_path,
    )
    assert result.returncode == 1
    assert "body ends normally" in result.stdout
    assert 'error: AWS::SQS::Queue "bad": QueueName is invalid' in result.stderr
    assert mock.finishes() == [{"error": 'AWS::SQS::Queue "bad": QueueName is invalid', "urn": URN + "AWS::SQS::Queue::bad"}]


def test_fork_children_cannot_use_the_parents_program_and_do_not_end_it(mock: MockEngine, tmp_path: Path) -> None:
    result = run_script(
        mock,
        """
        import os, sys
        import engine_sdk as engine
        logs = engine.CustomResource("AWS::Logs::LogGroup", "logs", {})
        logs.urn.resolve()
        pid = os.fork()
        if pid == 0:
            try:
                engine.CustomResource("AWS::SNS::Topic", "from-child", {})
                code = 3
            except engine.ForkedError as error:
                print("child:", error, flush=True)
                # Outputs resolved before the fork can still be read; coroutine callbacks run
                # on a fresh event loop in the child.
                code = 0 if logs.id.resolve().value == "logs-id" else 4
            sys.exit(code)
        _, status = os.waitpid(pid, 0)
        print("child exit:", os.waitstatus_to_exitcode(status))
        engine.CustomResource("AWS::SNS::Topic", "after-fork", {})
        """,
        tmp_path,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert "child: AWS::SNS::Topic \"from-child\": this engine context was created in process" in result.stdout
    assert "child exit: 0" in result.stdout
    names = [r["name"] for r in mock.dump()["registrations"]]
    assert names == ["logs", "after-fork"]
    assert len(mock.finishes()) == 1, "only the parent ends the program"


def test_multiprocessing_workers_do_not_disturb_the_program(mock: MockEngine, tmp_path: Path) -> None:
    result = run_script(
        mock,
        """
        import multiprocessing
        import engine_sdk as engine

        def square(n):
            return n * n

        if __name__ == "__main__":
            topic = engine.CustomResource("AWS::SNS::Topic", "topic", {})
            with multiprocessing.get_context("fork").Pool(2) as pool:
                squares = pool.map(square, range(5))
            engine.export("squares", squares)
            engine.export("topic", topic.id)
        """,
        tmp_path,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert mock.stack_outputs() == {"squares": [0, 1, 4, 9, 16], "topic": "topic-id"}
