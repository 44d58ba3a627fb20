// The order of a step's phases (docs/model.md), defined once: both engines run this sequence,
// each phase on its own way of holding the state (cells of counts, or person records).
#pragma once

#include "core/calendar.hpp"

// The member functions an engine declares, one per phase, in the order run_phases calls them
// (they may be private: the engine befriends run_phases). Declared here once, so that a new
// phase is added in this file and defined in each engine.
#define DEPORTSIM_STEP_PHASES                                                                      \
    void apply_policy(Date today);                                                                 \
    void depart(Date today);                                                                       \
    void travel();                                                                                 \
    void admit_to_detention();                                                                     \
    void process_detainees();                                                                      \
    void allocate_removals(Date today);                                                            \
    void draw_held_outcomes();                                                                     \
    void return_sheltered_onward();                                                                \
    void fly();                                                                                    \
    void release_from_facilities();                                                                \
    void account();

namespace deportsim::rules {

template <class Engine>
void run_phases(Engine& e, Date today) {
    e.apply_policy(today);       // 1  parameters in force; month roll-over of quotas and caps
    e.depart(today);             // 2  departures and re-migration, times the deterrence factor
    e.travel();                  // 3-4 movement along routes, deaths on traversal; interdiction,
                                 //     border apprehension, interior arrests
    e.admit_to_detention();      // 5  intake within beds, by priority; overflow released
    e.process_detainees();       // 6  pending -> removable; release after maximum detention
    e.allocate_removals(today);  // 7-8 removal allocation and receiver dispositions
    e.draw_held_outcomes();      // 8-9 who among the held is ready for onward return, leaves a
                                 //     shelter (agents mode: at once) or is due for release
    e.return_sheltered_onward(); // 8  onward repatriation from shelters on the receiver's seats
    e.fly();                     // 8  flights flown for the seats taken, and their cost
    e.release_from_facilities(); // 9  releases from prisons (home or at large) and shelters
    e.account();                 // 10 stocks, capacity use, money; the deterrence window
}

} // namespace deportsim::rules
