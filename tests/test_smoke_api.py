from tests.conftest import client_for


def test_a_coordinator_lists_the_participants_of_their_project(world):
    response = client_for(world.coordinator).get("/api/v1/participants/")
    assert response.status_code == 200, response.content
    names = [row["first_name"] for row in response.json()["results"]]
    assert names == ["Marieke"]
